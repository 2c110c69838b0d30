// Run in a child process by engines.bench.ts, so that the peak RSS it
// reports belongs to this run alone.
//   scale      1,000,000 goroutines grown to 8 KiB live at once, then all
//              exit and a GC: time and peak RSS (targets: < 2 s, < 256 MiB)
//   linearity  N and 10 N lifecycles of the same steady workload: the
//              larger run may take at most 11 times as long

import { compileScenario } from "../src/workload/compile.js";
import { validateScenario } from "../src/workload/scenario.js";
import { millions, releaseLabel, steady, timedRun } from "./common.js";

const MiB = 2 ** 20;
const GOROUTINES = 1_000_000;
const LINEAR_TICKS = 1000;
const LINEAR_FACTOR = 10;
const LINEAR_LIMIT = 11;

function scale(label: string): void {
  // Tick 0: a million arrivals reach 5,000 bytes (2 -> 4 -> 8 KiB) and stay
  // there; tick 2: all exit, then the GC at phase tick 2.
  const compiled = compileScenario(validateScenario({
    name: "million", seed: 1, engine: { procs: 1 },
    phases: [{ durationTicks: 3, arrivals: { perTick: GOROUTINES, everyTicks: 3 },
      lifetimeTicks: 2, peakStackBytes: 5000, blockedStackBytes: 5000,
      gc: { atTicks: [2] } }],
  }, "million"));
  const { result, seconds, engine } = timedRun(compiled, "wasm");
  const peakLive = result.peak.liveStackBytes;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const ok = seconds < 2 && rssMiB < 256 && result.stats.stackInuse === 0;
  process.stdout.write(`\nScale: ${GOROUTINES.toLocaleString("en-US")} goroutines at 8 KiB ` +
    `(${(peakLive / 2 ** 30).toFixed(1)} GiB simulated), all exit, GC: ` +
    `${seconds.toFixed(2)} s, peak RSS ${rssMiB.toFixed(0)} MiB, wasm memory ` +
    `${((engine as unknown as { memoryBytes: number }).memoryBytes / MiB).toFixed(0)} MiB, ` +
    `stackInuse after ${result.stats.stackInuse} (targets < 2 s, < 256 MiB: ` +
    `${ok ? "met" : "MISSED"})${label}\n`);
}

/** Rounds of the linearity comparison; the median ratio is reported. */
const LINEAR_ROUNDS = 3;

function linearity(label: string): void {
  const small = steady("linear-1x", LINEAR_TICKS, 1000, 4, 0, 100_000);
  const large = steady("linear-10x", LINEAR_TICKS * LINEAR_FACTOR, 1000, 4, 0, 100_000);
  timedRun(small, "wasm");
  // Each round times LINEAR_FACTOR runs of the small workload and one of
  // the large, so both sides cover the same lifecycles; picking the best
  // of a few short runs instead would favour the short side on a noisy VM.
  const rounds: { smallMean: number; large: number; ratio: number }[] = [];
  const lifecycles = { small: 0, large: 0 };
  for (let r = 0; r < LINEAR_ROUNDS; r++) {
    let smallTotal = 0;
    for (let i = 0; i < LINEAR_FACTOR; i++) {
      const run = timedRun(small, "wasm");
      smallTotal += run.seconds;
      lifecycles.small = run.result.lifecycles;
    }
    const run = timedRun(large, "wasm");
    lifecycles.large = run.result.lifecycles;
    const smallMean = smallTotal / LINEAR_FACTOR;
    rounds.push({ smallMean, large: run.seconds, ratio: run.seconds / smallMean });
  }
  rounds.sort((x, y) => x.ratio - y.ratio);
  const mid = rounds[rounds.length >> 1]!;
  process.stdout.write(`Linearity (median of ${LINEAR_ROUNDS} rounds, the short run `
    + `averaged over ${LINEAR_FACTOR}): ${millions(lifecycles.small)} lifecycles in `
    + `${(mid.smallMean * 1000).toFixed(1)} ms, ${millions(lifecycles.large)} in `
    + `${(mid.large * 1000).toFixed(1)} ms: ${mid.ratio.toFixed(2)}x for 10x the work `
    + `(limit ${LINEAR_LIMIT}x: ${mid.ratio <= LINEAR_LIMIT ? "met" : "MISSED"})${label}\n`);
}

const label = releaseLabel();
const which = process.argv[2];
if (which === "scale") scale(label);
else if (which === "linearity") linearity(label);
else {
  process.stderr.write("usage: scale.ts scale|linearity\n");
  process.exit(2);
}
