// `npm run bench`: the wasm engine against the TypeScript engine on the
// built-in scenarios default, rpc-churn and fan-out (cut short so a run
// takes seconds) and on a raw stackalloc/stackfree loop, side by side with
// their ratio; then what sampling costs, what the checked (debug) build
// costs, the 1,000,000-goroutine scale run and the linearity check, each
// in a child process (bench/scale.ts) so its peak RSS is its own; the raw
// rows come from bench/raw.ts, also in a process of its own.
// bench/go-vs-sim.ts compares with the real runtime; bench/soak.ts is the
// long run. Figures from a checked build are refused (see common.ts).

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import {
  bestRun, builtin, machineLine, millions, printTable, releaseLabel, timedRun,
} from "./common.js";

/** Ticks each built-in is cut to: a run of a few hundred thousand operations. */
const SCENARIOS: readonly [string, number][] = [
  ["default", 300], ["rpc-churn", 500], ["fan-out", 400],
];
const SAMPLING_RUNS = 15;
const SCALE_SCRIPT = fileURLToPath(new URL("./scale.ts", import.meta.url));
const RAW_SCRIPT = fileURLToPath(new URL("./raw.ts", import.meta.url));

interface Figures { opsPerSecond: number; lifecyclesPerSecond: number }

/** Scenario task figures from tinybench's median latency (ms). */
function rates(operations: number, lifecycles: number, medianMs: number): Figures {
  const seconds = medianMs / 1000;
  return { opsPerSecond: operations / seconds, lifecyclesPerSecond: lifecycles / seconds };
}

async function engineTable(label: string): Promise<void> {
  const bench = new Bench({ name: "engines", time: 0, iterations: 5, warmupIterations: 1 });
  const counts = new Map<string, { operations: number; lifecycles: number }>();
  for (const [name, ticks] of SCENARIOS) {
    const c = builtin(name, ticks);
    for (const engine of ["wasm", "ts"] as const) {
      bench.add(`${name} (${ticks} ticks) ${engine}`, () => {
        const { result } = timedRun(c, engine);
        counts.set(name, { operations: result.operations, lifecycles: result.lifecycles });
      });
    }
  }
  await bench.run();

  const median = (task: string): number => {
    const t = bench.tasks.find((x) => x.name === task);
    if (t?.result.state !== "completed") throw new Error(`${task} did not complete`);
    return t.result.latency.p50;
  };
  const rows: string[][] = [];
  for (const [name, ticks] of SCENARIOS) {
    const n = counts.get(name)!;
    const w = rates(n.operations, n.lifecycles, median(`${name} (${ticks} ticks) wasm`));
    const t = rates(n.operations, n.lifecycles, median(`${name} (${ticks} ticks) ts`));
    rows.push([`${name} (${ticks} ticks)`, millions(w.opsPerSecond), millions(t.opsPerSecond),
      (w.opsPerSecond / t.opsPerSecond).toFixed(1) + "x",
      millions(w.lifecyclesPerSecond), millions(t.lifecyclesPerSecond)]);
  }
  const raw = rawRows();
  rows.push(["raw stackalloc/stackfree, a call each", millions(raw.wasm), millions(raw.ts),
    (raw.wasm / raw.ts).toFixed(1) + "x", "-", "-"]);
  rows.push(["raw stackalloc/stackfree, batch API", millions(raw.batch), millions(raw.ts),
    (raw.batch / raw.ts).toFixed(1) + "x", "-", "-"]);
  process.stdout.write(`\nEngines (median of 5 runs after 1 warm-up; raw rows: ${raw.how}; ` +
    `wasm = release core, native driver)${label}\n`);
  printTable(["workload", "wasm ops/s", "ts ops/s", "wasm/ts", "wasm lifecycles/s",
    "ts lifecycles/s"], rows);
}

/** Median of the run times, runs with and without sampling interleaved. */
function samplingCost(label: string): void {
  const c = builtin("default", 600);
  const off: number[] = [];
  const every: number[] = [];
  timedRun(c, "wasm");
  // Alternate which run of a pair goes first: the second run of a pair
  // pays for collecting the first one's engine, and always giving that to
  // the sampled run would charge sampling for it.
  for (let i = 0; i < SAMPLING_RUNS; i++) {
    if (i % 2 === 0) {
      off.push(timedRun(c, "wasm", "release", 0).seconds);
      every.push(timedRun(c, "wasm", "release", 1).seconds);
    } else {
      every.push(timedRun(c, "wasm", "release", 1).seconds);
      off.push(timedRun(c, "wasm", "release", 0).seconds);
    }
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const cost = med(every) / med(off) - 1;
  process.stdout.write(`\nSampling every tick on default (600 ticks, median of ` +
    `${SAMPLING_RUNS}): ${(cost * 100).toFixed(1)}% (${(med(off) * 1000).toFixed(1)} ms ` +
    `without, ${(med(every) * 1000).toFixed(1)} ms with; target < 5%: ` +
    `${cost < 0.05 ? "met" : "MISSED"})${label}\n`);
}

function debugCost(): void {
  const c = builtin("default", 300);
  const release = bestRun(c, "wasm", 3, "release").seconds;
  const debug = bestRun(c, "wasm", 3, "debug").seconds;
  process.stdout.write(`Checked (debug) build on default (300 ticks): ` +
    `${(debug * 1000).toFixed(1)} ms vs release ${(release * 1000).toFixed(1)} ms, ` +
    `${(debug / release).toFixed(2)}x the release time\n`);
}

/** The raw rows, measured by bench/raw.ts in a process of its own. */
function rawRows(): { wasm: number; ts: number; batch: number; how: string } {
  const child = spawnSync(process.execPath, ["--import", "tsx", RAW_SCRIPT],
    { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`bench/raw.ts failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as { wasm: number; ts: number; batch: number; how: string };
}

function childBench(args: string[]): void {
  const child = spawnSync(process.execPath, ["--import", "tsx", SCALE_SCRIPT, ...args],
    { encoding: "utf8" });
  process.stdout.write(child.stdout);
  if (child.status !== 0) process.stdout.write(`(child failed: ${child.stderr})\n`);
}

async function main(): Promise<void> {
  const label = releaseLabel();
  process.stdout.write(`stacklab benchmarks: ${machineLine()}${label}\n`);
  await engineTable(label);
  samplingCost(label);
  debugCost();
  childBench(["scale"]);
  childBench(["linearity"]);
}

await main();
