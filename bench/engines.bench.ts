// `npm run bench`: the wasm engine against the TypeScript engine on the
// built-in scenarios default, rpc-churn and fan-out (cut short so a run
// takes seconds) and on a raw stackalloc/stackfree loop, side by side with
// their ratio; then what sampling costs, what the checked (debug) build
// costs, the 1,000,000-goroutine scale run and the linearity check, each
// in a child process (bench/scale.ts) so its peak RSS is its own.
// bench/go-vs-sim.ts compares with the real runtime; bench/soak.ts is the
// long run. Figures from a checked build are refused (see common.ts).

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { createEngine } from "../src/engine.js";
import type { Engine, Stack } from "../src/types.js";
import { BATCH_RECORD_BYTES, BATCH_REF, OpCode, RecordField } from "../src/wasm/batch.js";
import type { WasmEngine } from "../src/wasm/engine.js";
import type { CoreExports } from "../src/wasm/load.js";
import {
  bestRun, builtin, machineLine, millions, printTable, releaseLabel, timedRun,
} from "./common.js";

/** Ticks each built-in is cut to: a run of a few hundred thousand operations. */
const SCENARIOS: readonly [string, number][] = [
  ["default", 300], ["rpc-churn", 500], ["fan-out", 400],
];
/** Raw stackalloc/stackfree pairs per iteration, and the sizes cycled. */
const RAW_PAIRS = 100_000;
const RAW_SIZES = [2048, 8192, 32768] as const;
/** Timed and warm-up runs of each raw task (see engineTable). */
const RAW_RUNS = 10;
const RAW_WARMUP_RUNS = 10;
const SAMPLING_RUNS = 15;
const SCALE_SCRIPT = fileURLToPath(new URL("./scale.ts", import.meta.url));

interface Figures { opsPerSecond: number; lifecyclesPerSecond: number }

/** Scenario task figures from tinybench's median latency (ms). */
function rates(operations: number, lifecycles: number, medianMs: number): Figures {
  const seconds = medianMs / 1000;
  return { opsPerSecond: operations / seconds, lifecyclesPerSecond: lifecycles / seconds };
}

/**
 * The raw loop, written out once per engine kind. V8 keeps call-site type
 * feedback per function, and tinybench warms every task up before it
 * measures any, so one shared loop would see both engine classes and run
 * both through a polymorphic call site, a cost a program using one engine
 * never pays (it halved the wasm figure).
 */
function rawLoopWasm(engine: Engine): void {
  const stacks: Stack[] = [];
  for (let i = 0; i < RAW_PAIRS; i++) {
    stacks.push(engine.stackalloc(RAW_SIZES[i % RAW_SIZES.length]!, i % 4 === 0 ? "noP" : 0));
    if (stacks.length === 64) for (const s of stacks.splice(0)) engine.stackfree(s, 0);
  }
  for (const s of stacks) engine.stackfree(s, 0);
}

/** rawLoopWasm's twin for the TypeScript engine (see there). */
function rawLoopTs(engine: Engine): void {
  const stacks: Stack[] = [];
  for (let i = 0; i < RAW_PAIRS; i++) {
    stacks.push(engine.stackalloc(RAW_SIZES[i % RAW_SIZES.length]!, i % 4 === 0 ? "noP" : 0));
    if (stacks.length === 64) for (const s of stacks.splice(0)) engine.stackfree(s, 0);
  }
  for (const s of stacks) engine.stackfree(s, 0);
}

/**
 * The same loop as batch records (docs/ABI.md): each group of 64
 * stackallocs is followed by 64 stackfrees naming them by record index.
 */
function rawBatchRecords(): DataView {
  const view = new DataView(new ArrayBuffer(2 * RAW_PAIRS * BATCH_RECORD_BYTES));
  const group = 64;
  let at = 0;
  for (let first = 0; first < RAW_PAIRS; first += group) {
    const n = Math.min(group, RAW_PAIRS - first);
    const firstRecord = 2 * first;
    for (let i = 0; i < n; i++, at += BATCH_RECORD_BYTES) {
      const k = first + i;
      view.setUint32(at + RecordField.op, OpCode.stackalloc, true);
      view.setInt32(at + RecordField.p, k % 4 === 0 ? -1 : 0, true);
      view.setFloat64(at + RecordField.bytes, RAW_SIZES[k % RAW_SIZES.length]!, true);
    }
    for (let i = 0; i < n; i++, at += BATCH_RECORD_BYTES) {
      const k = first + i;
      view.setUint32(at + RecordField.op, OpCode.stackfree, true);
      view.setUint32(at + RecordField.g, (BATCH_REF | (firstRecord + i)) >>> 0, true);
      view.setFloat64(at + RecordField.bytes, RAW_SIZES[k % RAW_SIZES.length]!, true);
    }
  }
  return view;
}

/** A wasm core and its batch buffer, made untimed for the batch task. */
interface BatchSetup { core: CoreExports; addr: number }

/**
 * A fresh wasm engine's core with a batch buffer for `count` records. The
 * buffer is reserved here, outside the timed part, as an embedder reserves
 * it once and reuses it: reserving grows linear memory, which is setup,
 * not the stack calls the row measures.
 */
function batchSetup(count: number): BatchSetup {
  const engine = createEngine({ engine: "wasm", procs: 1 }) as unknown as WasmEngine;
  const core = engine.lendCore("bench");
  return { core, addr: core.batchBuffer(count) >>> 0 };
}

/** The timed part of the batch task: copy the records in and run them. */
function rawBatch({ core, addr }: BatchSetup, records: DataView): void {
  const count = records.byteLength / BATCH_RECORD_BYTES;
  new Uint8Array(core.memory.buffer, addr, records.byteLength)
    .set(new Uint8Array(records.buffer));
  const done = core.batchRun(addr, count, 1);
  const last = new DataView(core.memory.buffer, addr + (count - 1) * BATCH_RECORD_BYTES,
    BATCH_RECORD_BYTES).getInt32(RecordField.result, true);
  if (done !== count || last < 0) throw new Error(`raw batch stopped at ${done}: ${last}`);
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
  // The raw tasks have a bench of their own with more warm-up runs: each
  // run is 200,000 calls from JavaScript, and V8 was seen to need 6 to 8
  // such runs before both engines' call paths reached their steady speed
  // (the wasm side rose from 3.6 M to 12 M calls/s, the TypeScript side
  // from 1.0 M to 2.1 M). Engines are made in beforeEach, outside the
  // timed function: the rows measure stack calls, not instantiation.
  const rawBench = new Bench({ name: "raw", time: 0, iterations: RAW_RUNS,
    warmupIterations: RAW_WARMUP_RUNS });
  for (const engine of ["wasm", "ts"] as const) {
    let fresh: Engine | undefined;
    const loop = engine === "wasm" ? rawLoopWasm : rawLoopTs;
    rawBench.add(`raw stackalloc/stackfree 2-32 KiB ${engine}`, () => loop(fresh!), {
      beforeEach: () => { fresh = createEngine({ engine, procs: 1 }); },
    });
  }
  const records = rawBatchRecords();
  let setup: BatchSetup | undefined;
  rawBench.add("raw stackalloc/stackfree 2-32 KiB wasm batch", () => rawBatch(setup!, records), {
    beforeEach: () => { setup = batchSetup(records.byteLength / BATCH_RECORD_BYTES); },
  });
  await bench.run();
  await rawBench.run();

  const median = (task: string): number => {
    const t = [...bench.tasks, ...rawBench.tasks].find((x) => x.name === task);
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
  const rawOps = 2 * RAW_PAIRS;
  const rawW = rawOps / (median(`raw stackalloc/stackfree 2-32 KiB wasm`) / 1000);
  const rawT = rawOps / (median(`raw stackalloc/stackfree 2-32 KiB ts`) / 1000);
  const rawB = rawOps / (median(`raw stackalloc/stackfree 2-32 KiB wasm batch`) / 1000);
  rows.push(["raw stackalloc/stackfree, a call each", millions(rawW), millions(rawT),
    (rawW / rawT).toFixed(1) + "x", "-", "-"]);
  rows.push(["raw stackalloc/stackfree, batch API", millions(rawB), millions(rawT),
    (rawB / rawT).toFixed(1) + "x", "-", "-"]);
  process.stdout.write(`\nEngines (median of 5 runs after 1 warm-up, raw rows median of ` +
    `${RAW_RUNS} after ${RAW_WARMUP_RUNS}; wasm = release core, native driver; raw rows ` +
    `exclude engine creation)${label}\n`);
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
