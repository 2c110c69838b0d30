// The raw rows of `npm run bench`: a loop of stackalloc/stackfree calls
// on each engine, a call each from JavaScript, and the same operations
// through the wasm core's batch API. engines.bench.ts runs this in a
// process of its own and prints the rows: measured after the scenario rows
// in one process, the wasm row came out at 7 M calls/s instead of the
// 11 to 14 M it reaches alone, so what ran before decided the ratio.
// Prints one JSON line: calls per second for wasm, ts and the batch, and
// how they were measured.

import { setFlagsFromString } from "node:v8";
import { Bench } from "tinybench";
import { createEngine } from "../src/engine.js";
import type { Engine, Stack } from "../src/types.js";
import { BATCH_RECORD_BYTES, BATCH_REF, OpCode, RecordField } from "../src/wasm/batch.js";
import type { WasmEngine } from "../src/wasm/engine.js";
import type { CoreExports } from "../src/wasm/load.js";

// Before any loop below is compiled; see rawLoopWasm for why.
setFlagsFromString("--no-use-osr");

/** Raw stackalloc/stackfree pairs per iteration, and the sizes cycled. */
const RAW_PAIRS = 100_000;
const RAW_SIZES = [2048, 8192, 32768] as const;
/** Stacks allocated before they are all freed. */
const RAW_GROUP = 64;
/** Timed and warm-up runs of each task (see main). */
const RAW_RUNS = 30;
const RAW_WARMUP_RUNS = 10;

/**
 * The raw loop, written out once per engine kind. V8 keeps call-site type
 * feedback per function, and tinybench warms every task up before it
 * measures any, so one shared loop would see both engine classes and run
 * both through a polymorphic call site, a cost a program using one engine
 * never pays (it halved the wasm figure).
 * On-stack replacement is off in this process (setFlagsFromString above,
 * for both engines' loops alike): with it on, V8 compiled this long loop
 * while it ran, and from one process to the next the code it got made
 * the wasm row about 23 M or about 30 M calls/s (2 of 18 processes, 3.6x
 * and 3.7x the TypeScript engine), while the TypeScript row stayed
 * between 6.1 and 7.0 M either way. Without it, 18 processes gave 27.9
 * to 31.9 M (4.3x to 5.1x). A program calling the engine from its own
 * loops may still meet either kind of code.
 */
function rawLoopWasm(engine: Engine): void {
  const stacks: Stack[] = [];
  for (let i = 0; i < RAW_PAIRS; i++) {
    stacks.push(engine.stackalloc(RAW_SIZES[i % RAW_SIZES.length]!, i % 4 === 0 ? "noP" : 0));
    if (stacks.length === RAW_GROUP) for (const s of stacks.splice(0)) engine.stackfree(s, 0);
  }
  for (const s of stacks) engine.stackfree(s, 0);
}

/** rawLoopWasm's twin for the TypeScript engine (see there). */
function rawLoopTs(engine: Engine): void {
  const stacks: Stack[] = [];
  for (let i = 0; i < RAW_PAIRS; i++) {
    stacks.push(engine.stackalloc(RAW_SIZES[i % RAW_SIZES.length]!, i % 4 === 0 ? "noP" : 0));
    if (stacks.length === RAW_GROUP) for (const s of stacks.splice(0)) engine.stackfree(s, 0);
  }
  for (const s of stacks) engine.stackfree(s, 0);
}

/**
 * The same loop as batch records (docs/ABI.md): each group of 64
 * stackallocs is followed by 64 stackfrees naming them by record index.
 */
function rawBatchRecords(): DataView {
  const view = new DataView(new ArrayBuffer(2 * RAW_PAIRS * BATCH_RECORD_BYTES));
  let at = 0;
  for (let first = 0; first < RAW_PAIRS; first += RAW_GROUP) {
    const n = Math.min(RAW_GROUP, RAW_PAIRS - first);
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
 * not the stack calls the row measures. Its bytes are written once here
 * too, so its pages are resident as a reused buffer's are: left untouched,
 * the timed copy of the 6.4 MB of records took 2.3 to 2.6 ms of page
 * faults (0.3 ms into written pages) against 4.1 to 4.7 ms for running
 * them, and the row came out at 27 to 32 M ops/s instead of 46 to 48 M.
 */
function batchSetup(count: number): BatchSetup {
  const engine = createEngine({ engine: "wasm", procs: 1 }) as unknown as WasmEngine;
  const core = engine.lendCore("bench");
  const addr = core.batchBuffer(count) >>> 0;
  new Uint8Array(core.memory.buffer, addr, count * BATCH_RECORD_BYTES).fill(0);
  return { core, addr };
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

async function main(): Promise<void> {
  // More warm-up runs than the scenario rows: each run is 200,000 calls
  // from JavaScript, and V8 was seen to need 6 to 8 such runs before both
  // engines' call paths reached their steady speed (the wasm side rose
  // from 3.6 M to 12 M calls/s, the TypeScript side from 1.0 M to 2.1 M).
  // Engines are made in beforeEach, outside the timed function: the rows
  // measure stack calls, not instantiation.
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
  await rawBench.run();

  const callsPerSecond = (task: string): number => {
    const t = rawBench.tasks.find((x) => x.name === task);
    if (t?.result.state !== "completed") throw new Error(`${task} did not complete`);
    return 2 * RAW_PAIRS / (t.result.latency.p50 / 1000);
  };
  process.stdout.write(JSON.stringify({
    wasm: callsPerSecond("raw stackalloc/stackfree 2-32 KiB wasm"),
    ts: callsPerSecond("raw stackalloc/stackfree 2-32 KiB ts"),
    batch: callsPerSecond("raw stackalloc/stackfree 2-32 KiB wasm batch"),
    how: `median of ${RAW_RUNS} after ${RAW_WARMUP_RUNS} warm-up runs, in their own ` +
      "process with on-stack replacement off, engine creation excluded",
  }) + "\n");
}

await main();
