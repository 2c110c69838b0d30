// bench/headroom.ts: what the exact model's parts cost on go-vs-sim's
// workloads, and so how far any build of this core could get against the
// real runtime. It compiles measurement-only cores (assembly/ablations.ts,
// bench/ablated-core.ts) that leave out the stat updates, then also the
// out-of-memory checks, then also the return of empty pool spans to the
// page heap, and runs them side by side with the release build, the
// builds taking turns. Their counters or behaviour are wrong by design:
// these figures bound the exact build, they are not results.
// With `go` on PATH it also measures the real runtime and prints each
// build's rate over it.
//
//   npx tsx bench/headroom.ts

import { resolveConfig } from "../src/profiles.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { coreModule } from "../src/wasm/load.js";
import type { CompiledScenario } from "../src/workload/types.js";
import { compileAblatedCore } from "./ablated-core.js";
import {
  goVersion, lifecycleScenario, machineLine, millions, printTable, realLifecycleRate,
  releaseLabel, timedRunOn,
} from "./common.js";
import type { LifecycleMode } from "./common.js";

/** Timed rounds after one warm-up round; each build runs once a round. */
const ROUNDS = 3;
/** go-vs-sim's target for goroutines that grow to 8 KiB. */
const GROW_RATIO_TARGET = 40;
const MODES: readonly LifecycleMode[] = ["small", "grow"];

interface Build { name: string; leavesOut: string; module: WebAssembly.Module;
  ablated: boolean }

/** The release build, then each measurement-only one (ABLATE masks). */
function builds(): Build[] {
  const ablation = (mask: number, name: string, leavesOut: string): Build =>
    ({ name, leavesOut, module: compileAblatedCore(mask), ablated: true });
  return [
    { name: "release (exact)", leavesOut: "nothing", module: coreModule("release"),
      ablated: false },
    ablation(1, "ABLATE=1", "stat updates"),
    ablation(3, "ABLATE=3", "stat updates, out-of-memory checks"),
    ablation(7, "ABLATE=7", "the above, and empty pool spans' return to the heap"),
  ];
}

/** Lifecycles per second of one timed run on a fresh engine of `build`. */
function rate(build: Build, compiled: CompiledScenario): number {
  const engine = createWasmEngine(resolveConfig(compiled.engineOptions),
    { module: build.module, ablated: build.ablated });
  const { result, seconds } = timedRunOn(engine, compiled);
  return result.lifecycles / seconds;
}

function main(): void {
  const label = releaseLabel();
  const go = goVersion();
  process.stdout.write(`headroom: ${machineLine()}` + (go === undefined ? "" : `; ${go}`) +
    `${label}\n(best of ${ROUNDS} timed runs after a warm-up run, the builds taking turns; ` +
    "measurement-only builds give wrong counters or behaviour and bound the exact one)\n");
  const all = builds();
  const scenarios = new Map(MODES.map((m) => [m, lifecycleScenario(m)] as const));
  const best = new Map<string, number>();
  for (let round = 0; round <= ROUNDS; round++) {
    for (const build of all) {
      for (const mode of MODES) {
        const r = rate(build, scenarios.get(mode)!);
        const key = `${build.name}/${mode}`;
        if (round > 0) best.set(key, Math.max(best.get(key) ?? 0, r));
      }
    }
  }
  const real = go === undefined ? undefined : realLifecycleRate("grow");
  const exactGrow = best.get(`${all[0]!.name}/grow`)!;
  const rows = all.map((build) => {
    const grow = best.get(`${build.name}/grow`)!;
    return [build.name, build.leavesOut, millions(best.get(`${build.name}/small`)!),
      millions(grow), (1e9 / grow).toFixed(1), (grow / exactGrow).toFixed(2) + "x",
      real === undefined ? "-" : (grow / real).toFixed(1) + "x"];
  });
  printTable(["core build", "leaves out", "2 KiB lifecycles/s", "growing lifecycles/s",
    "growing ns/lifecycle", "growing vs exact", "growing / real runtime"], rows);
  if (real !== undefined) {
    const needed = GROW_RATIO_TARGET * real;
    const within = all.filter((b) => best.get(`${b.name}/grow`)! >= needed).map((b) => b.name);
    process.stdout.write(`Real runtime growing to 8 KiB: ${millions(real)} lifecycles/s; ` +
      `${GROW_RATIO_TARGET}x that is ${millions(needed)}/s, ${(1e9 / needed).toFixed(1)} ns ` +
      `a lifecycle (exact build: ${(1e9 / exactGrow).toFixed(1)} ns). Builds that reach it: ` +
      `${within.length === 0 ? "none" : within.join(", ")}.\n`);
  }
}

main();
