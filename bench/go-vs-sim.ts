// bench/go-vs-sim.ts: the real runtime's goroutine lifecycles per second
// (bench/go/lifecycles, GOMAXPROCS=1, GOGC=off, a runtime.GC() every
// 100,000 lifecycles) against the simulator's on the equivalent workload:
// one P, goroutines that live one tick, a GC every 100,000 exits, and a
// stack that (a) never grows past 2 KiB or (b) grows to 8 KiB (5,000 bytes
// in use: two copies). Prints simulated lifecycles/s over real.
// Skips with a message, and exit status 0, when `go` is not on PATH.
// The workloads and the real runtime's measurement are in common.ts,
// shared with bench/headroom.ts.

import {
  bestRun, goVersion, lifecycleScenario, machineLine, millions, printTable,
  realLifecycleRate, releaseLabel,
} from "./common.js";
import type { LifecycleMode } from "./common.js";

interface Workload { mode: LifecycleMode; what: string; lifecyclesTarget: number;
  ratioTarget: number }
const WORKLOADS: readonly Workload[] = [
  { mode: "small", what: "2 KiB, never grows", lifecyclesTarget: 30e6, ratioTarget: 10 },
  { mode: "grow", what: "grows to 8 KiB", lifecyclesTarget: 10e6, ratioTarget: 40 },
];

function main(): void {
  const go = goVersion();
  if (go === undefined) {
    process.stdout.write("go-vs-sim: skipped, `go` is not on PATH " +
      "(install Go 1.19 to compare with the real runtime)\n");
    return;
  }
  const label = releaseLabel();
  process.stdout.write(`go-vs-sim: ${machineLine()}; ${go}${label}\n` +
    "(each side: best of 3 timed runs after a warm-up run)\n");
  const rows: string[][] = [];
  for (const w of WORKLOADS) {
    const real = realLifecycleRate(w.mode);
    const compiled = lifecycleScenario(w.mode);
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
