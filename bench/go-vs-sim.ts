// bench/go-vs-sim.ts: the real runtime's goroutine lifecycles per second
// (bench/go/lifecycles, GOMAXPROCS=1, GOGC=off, a runtime.GC() every
// 100,000 lifecycles) against the simulator's on the equivalent workload:
// one P, goroutines that live one tick, a GC every 100,000 exits, and a
// stack that (a) never grows past 2 KiB or (b) grows to 8 KiB (5,000 bytes
// in use: two copies). Prints simulated lifecycles/s over real.
// Skips with a message, and exit status 0, when `go` is not on PATH.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bestRun, machineLine, millions, printTable, releaseLabel, steady } from "./common.js";

const GO_DIR = fileURLToPath(new URL("./go/", import.meta.url));
const GC_EVERY = 100_000;
const SIM_TICKS = 10_000;
const SIM_PER_TICK = 1000;

interface Workload { mode: "small" | "grow"; peakBytes: number; what: string;
  lifecyclesTarget: number; ratioTarget: number }
const WORKLOADS: readonly Workload[] = [
  { mode: "small", peakBytes: 0, what: "2 KiB, never grows", lifecyclesTarget: 30e6,
    ratioTarget: 10 },
  { mode: "grow", peakBytes: 5000, what: "grows to 8 KiB", lifecyclesTarget: 10e6,
    ratioTarget: 40 },
];

function goAvailable(): boolean {
  return spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;
}

/**
 * The runtime's best lifecycles per second for one mode, over its 3 timed
 * runs after a warm-up run: the same rule as the simulator's figure
 * (bestRun), so neither side is compared at a worse moment of a shared
 * machine than the other.
 */
function realRate(mode: string): number {
  const run = spawnSync("go", ["run", "./lifecycles", "-mode", mode, "-lifecycles", "1000000",
    "-gc-every", String(GC_EVERY)], {
    cwd: GO_DIR, encoding: "utf8",
    env: { ...process.env, GOMAXPROCS: "1", GOGC: "off" },
  });
  if (run.status !== 0) throw new Error(`go run failed: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { runs: { lifecyclesPerSecond: number }[] };
  return Math.max(...report.runs.map((r) => r.lifecyclesPerSecond));
}

function main(): void {
  if (!goAvailable()) {
    process.stdout.write("go-vs-sim: skipped, `go` is not on PATH " +
      "(install Go 1.19 to compare with the real runtime)\n");
    return;
  }
  const label = releaseLabel();
  const goVersion = spawnSync("go", ["version"], { encoding: "utf8" }).stdout.trim();
  process.stdout.write(`go-vs-sim: ${machineLine()}; ${goVersion}${label}\n` +
    "(each side: best of 3 timed runs after a warm-up run)\n");
  const rows: string[][] = [];
  for (const w of WORKLOADS) {
    const real = realRate(w.mode);
    const compiled = steady(`sim-${w.mode}`, SIM_TICKS, SIM_PER_TICK, 1, w.peakBytes, GC_EVERY);
    const { result, seconds } = bestRun(compiled, "wasm", 3);
    const sim = result.lifecycles / seconds;
    rows.push([w.what, millions(real), millions(sim), (sim / real).toFixed(1) + "x",
      `${millions(w.lifecyclesTarget)} and ${w.ratioTarget}x: ` +
      (sim >= w.lifecyclesTarget && sim / real >= w.ratioTarget ? "met" : "MISSED")]);
  }
  printTable(["goroutines", "real lifecycles/s", "simulated lifecycles/s", "sim/real",
    "target"], rows);
}

main();
