// Shared pieces of the benchmarks: the machine and tool versions printed
// above every table, the build check (numbers from a checked build are
// refused unless asked for, and then labelled), scenario helpers, and a
// table printer. Benchmarks print; library code never does.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { createEngine } from "../src/engine.js";
import type { Engine } from "../src/types.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { loadScenario } from "../src/workload/load.js";
import { validateScenario } from "../src/workload/scenario.js";
import type { CompiledScenario, RunResult } from "../src/workload/types.js";
import { coreModule } from "../src/wasm/load.js";
import type { WasmBuild } from "../src/wasm/load.js";

/** Node, asc, CPU model and core count, as one line. */
export function machineLine(): string {
  const asc = (JSON.parse(readFileSync(new URL(
    "../node_modules/assemblyscript/package.json", import.meta.url), "utf8")) as
    { version: string }).version;
  const cpu = cpus();
  return `Node ${process.version}, asc ${asc}, ${cpu[0]?.model ?? "unknown CPU"}, ` +
    `${cpu.length} cores, ${process.platform}/${process.arch}`;
}

/** Whether a build has the core's checks compiled in. */
export function isCheckedBuild(build: WasmBuild): boolean {
  const instance = new WebAssembly.Instance(coreModule(build), {
    env: { abort: () => undefined },
  });
  const flag = instance.exports.CHECKED_BUILD as WebAssembly.Global | undefined;
  return flag === undefined || flag.value !== 0;
}

/**
 * Refuses to go on when build/release.wasm has checks compiled in, unless
 * --allow-checked is given; then every line is labelled.
 * @returns a label to print next to figures ("" for a release build).
 */
export function releaseLabel(): string {
  if (!isCheckedBuild("release")) return "";
  if (!process.argv.includes("--allow-checked")) {
    process.stderr.write("build/release.wasm has checks compiled in (a debug build); " +
      "refusing to report. Rebuild with `npm run asbuild:release`, or pass " +
      "--allow-checked to print labelled figures.\n");
    process.exit(2);
  }
  return " [CHECKED BUILD: NOT A RELEASE FIGURE]";
}

/** A built-in scenario compiled, optionally cut to maxTicks. */
export function builtin(name: string, maxTicks?: number): CompiledScenario {
  return compileScenario(loadScenario(name).scenario,
    maxTicks === undefined ? {} : { maxTicks });
}

/**
 * A steady single-P scenario: `perTick` goroutines a tick live `lifetime`
 * ticks and reach `peakBytes` of stack; a GC every `gcEveryExits` exits.
 */
export function steady(name: string, ticks: number, perTick: number, lifetime: number,
  peakBytes: number, gcEveryExits: number): CompiledScenario {
  return compileScenario(validateScenario({
    name, seed: 1, engine: { procs: 1 },
    phases: [{ durationTicks: ticks, arrivals: { perTick }, lifetimeTicks: lifetime,
      peakStackBytes: peakBytes, blockedStackBytes: peakBytes,
      gc: gcEveryExits > 0 ? { everyExits: gcEveryExits } : "none" }],
  }, name));
}

/** go-vs-sim's two workloads: stacks that stay at 2 KiB or grow to 8 KiB. */
export type LifecycleMode = "small" | "grow";
/** Lifecycles (exits) between GCs, on both sides of go-vs-sim. */
export const LIFECYCLE_GC_EVERY = 100_000;

/**
 * go-vs-sim's workloads on the simulator: one P, goroutines that live one
 * tick (1,000 a tick for 10,000 ticks), a GC every LIFECYCLE_GC_EVERY
 * exits, and a stack that never grows past 2 KiB ("small") or grows to
 * 8 KiB ("grow": 5,000 bytes in use, two copies), as bench/go/lifecycles
 * runs them on the real runtime.
 */
export function lifecycleScenario(mode: LifecycleMode): CompiledScenario {
  return steady(`sim-${mode}`, 10_000, 1000, 1, mode === "grow" ? 5000 : 0,
    LIFECYCLE_GC_EVERY);
}

const GO_DIR = new URL("./go/", import.meta.url);

/** `go version`'s line, or undefined when `go` does not run here. */
export function goVersion(): string | undefined {
  const run = spawnSync("go", ["version"], { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/**
 * The real runtime's best lifecycles per second for one mode
 * (bench/go/lifecycles, GOMAXPROCS=1, GOGC=off, a runtime.GC() every
 * LIFECYCLE_GC_EVERY lifecycles), over its 3 timed runs after a warm-up
 * run: the same rule as the simulator's figure (bestRun), so neither side
 * is compared at a worse moment of a shared machine than the other.
 */
export function realLifecycleRate(mode: LifecycleMode): number {
  const run = spawnSync("go", ["run", "./lifecycles", "-mode", mode, "-lifecycles", "1000000",
    "-gc-every", String(LIFECYCLE_GC_EVERY)], {
    cwd: GO_DIR, encoding: "utf8",
    env: { ...process.env, GOMAXPROCS: "1", GOGC: "off" },
  });
  if (run.status !== 0) throw new Error(`go run failed: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { runs: { lifecyclesPerSecond: number }[] };
  return Math.max(...report.runs.map((r) => r.lifecyclesPerSecond));
}

/** One timed run of a compiled scenario on a fresh engine. */
export function timedRun(compiled: CompiledScenario, engine: "wasm" | "ts",
  build: WasmBuild = "release", sampleEvery = 0):
  { result: RunResult; seconds: number; engine: Engine } {
  const instance = createEngine({ ...compiled.engineOptions, engine, wasmBuild: build });
  return { ...timedRunOn(instance, compiled, sampleEvery), engine: instance };
}

/** One timed run of a compiled scenario on the engine given, made fresh. */
export function timedRunOn(engine: Engine, compiled: CompiledScenario, sampleEvery = 0):
  { result: RunResult; seconds: number } {
  const started = performance.now();
  const result = runScenario(engine, compiled, { sampleEvery });
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Best (shortest) of `runs` timed runs, after one warm-up run. */
export function bestRun(compiled: CompiledScenario, engine: "wasm" | "ts", runs: number,
  build: WasmBuild = "release", sampleEvery = 0): { result: RunResult; seconds: number } {
  timedRun(compiled, engine, build, sampleEvery);
  let best = timedRun(compiled, engine, build, sampleEvery);
  for (let i = 1; i < runs; i++) {
    const next = timedRun(compiled, engine, build, sampleEvery);
    if (next.seconds < best.seconds) best = next;
  }
  return best;
}

/** Millions, with two decimals. */
export function millions(x: number): string {
  return (x / 1e6).toFixed(2) + " M";
}

/** Prints rows as a fixed-width text table. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  process.stdout.write(line(header) + "\n");
  process.stdout.write("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|\n");
  for (const row of rows) process.stdout.write(line(row) + "\n");
}
