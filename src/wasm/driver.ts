// The host half of the native scenario driver (assembly/driver.ts): copies
// a compiled scenario into the core's linear memory once, then runs it in
// batches of about BATCH_OPERATIONS operations (one tick per batch when the
// caller wants onTick, so callbacks see every tick as on the host path),
// draining the samples each batch took. runScenario
// (src/workload/driver.ts) dispatches here for wasm engines when no
// per-operation callback is asked for; results equal the per-operation
// path's bit for bit (test/driver-native.test.ts).

import { InvariantError } from "../errors.js";
import type { Stats } from "../types.js";
import { STATS_FIELDS } from "../types.js";
import { TABLE_ENTRIES } from "../workload/compile.js";
import type { CompiledScenario, RunOptions, RunResult, Sample } from "../workload/types.js";
import { OpCode } from "./batch.js";
import type { CoreExports } from "./load.js";
import type { WasmEngine } from "./engine.js";

/** Operations per batch: a few milliseconds of core time between callbacks. */
const BATCH_OPERATIONS = 1 << 20;
/** No tick bound per batch: the operation bound and the buffer end it. */
const ALL_TICKS = 0xffff_ffff;
/** With onTick, a batch is one tick. */
const ONE_TICK = 1;
const RUN_DONE = 0;

/** f64 word indices of the core's OUT block (assembly/driver.ts). */
const Out = {
  ticks: 0, lifecycles: 1, exits: 2, operations: 3, inuseSum: 4, peakTick: 5,
  lastSampleTick: 6, samples: 7, failOp: 8, failP: 9, failG: 10, failBytes: 11,
  peakStats: 16,
} as const;
const SAMPLE_WORDS = 1 + STATS_FIELDS.length;
const OUT_WORDS = Out.peakStats + STATS_FIELDS.length;

function statsAt(values: Float64Array, at: number): Stats {
  const stats = {} as Stats;
  STATS_FIELDS.forEach((field, i) => { stats[field] = values[at + i]!; });
  return stats;
}

/**
 * A sample record (tick, then the stats in STATS_FIELDS order) as one
 * object literal, so every sample has the same shape; building it field
 * by field made each sample a slow dictionary object, which cost more
 * than the core's whole sampling work.
 */
function sampleAt(v: Float64Array, at: number): Sample {
  return {
    tick: v[at]!, stackInuse: v[at + 1]!, liveStackBytes: v[at + 2]!,
    deadGStackBytes: v[at + 3]!, pCacheBytes: v[at + 4]!, poolFreeBytes: v[at + 5]!,
    largeCacheBytes: v[at + 6]!, rawStackBytes: v[at + 7]!, spanAllocs: v[at + 8]!,
    spanFrees: v[at + 9]!, growCopies: v[at + 10]!, shrinkCopies: v[at + 11]!,
    cacheRefills: v[at + 12]!, cacheReleases: v[at + 13]!, gfreeLocal: v[at + 14]!,
    gfreeGlobalStack: v[at + 15]!, gfreeGlobalNoStack: v[at + 16]!,
    liveGoroutines: v[at + 17]!, startingStackSize: v[at + 18]!, heapPages: v[at + 19]!,
    gcCycles: v[at + 20]!,
  };
}

/** Copies the compiled arrays into a fresh input block of the core. */
function loadInput(core: CoreExports, compiled: CompiledScenario): void {
  const tableCount = compiled.tables.length / TABLE_ENTRIES;
  const addr = core.driverInput(compiled.phaseCount, tableCount,
    compiled.gcTicks.length, compiled.resizeSteps.length / 2) >>> 0;
  const buffer = core.memory.buffer;
  let at = addr;
  new Uint32Array(buffer, at, compiled.phases.length).set(compiled.phases);
  at += compiled.phases.byteLength;
  new Int32Array(buffer, at, compiled.tables.length).set(compiled.tables);
  at += compiled.tables.byteLength;
  new Uint32Array(buffer, at, compiled.gcTicks.length).set(compiled.gcTicks);
  at += compiled.gcTicks.byteLength;
  new Uint32Array(buffer, at, compiled.resizeSteps.length).set(compiled.resizeSteps);
}

/**
 * Replays the operation the core refused through the per-operation API,
 * which refuses it again with the UsageError the host driver would raise
 * (a refusal changes nothing, so the state is the same).
 */
function rethrowRefusal(engine: WasmEngine, out: Float64Array): never {
  const op = out[Out.failOp]!;
  const p = out[Out.failP]!;
  const bytes = out[Out.failBytes]!;
  const goidOf = (g: number): number => {
    const gs = engine.snapshot().gs;
    return gs[g]?.goid ?? -1;
  };
  switch (op) {
    case OpCode.newproc: engine.newproc(p); break;
    case OpCode.use: engine.use(goidOf(out[Out.failG]!), bytes); break;
    case OpCode.gc: engine.gc(p); break;
    case OpCode.gcStart: engine.gcStart(p); break;
    case OpCode.gcFinish: engine.gcFinish(p); break;
    case OpCode.procresize: engine.procresize(p); break;
    case OpCode.stackalloc: engine.stackalloc(bytes, "noP"); break;
    default: break;
  }
  throw new InvariantError(`runScenario: the core refused operation ${op} ` +
    "but the per-operation path accepted it", { op, p, bytes });
}

/**
 * Runs a compiled scenario on a wasm engine inside the core. With onTick,
 * every batch is one tick and the callbacks run in the host driver's order
 * (samples of the tick, then onTick); without it, batches are large and
 * onSample receives each batch's samples after the batch.
 * @throws UsageError when an operation is refused, as runScenario does.
 */
export function runScenarioNative(engine: WasmEngine, compiled: CompiledScenario,
  options: RunOptions): RunResult {
  const { onSample, onTick } = options;
  const sampleEvery = options.sampleEvery ?? 0;
  const core = engine.lendCore("runScenario");
  const samples: Sample[] = [];
  let ticksReported = 0;
  const maxTicks = onTick === undefined ? ALL_TICKS : ONE_TICK;
  const guarded = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw engine.coreTrapped("runScenario", error);
    }
  };
  guarded(() => loadInput(core, compiled));
  let status = guarded(() => core.driverStart(compiled.seed, compiled.wheelSize,
    engine.config.procs, sampleEvery));
  if (status < 0) {
    throw new InvariantError(`runScenario: the core refused the compiled scenario (${status})`);
  }
  let out: Float64Array;
  do {
    status = guarded(() => core.driverRun(maxTicks, BATCH_OPERATIONS));
    // Callbacks run outside the trap handler: what they throw is theirs.
    const buffer = core.memory.buffer;
    out = new Float64Array(buffer, core.driverOutAddress() >>> 0, OUT_WORDS).slice();
    const taken = out[Out.samples]!;
    const values = new Float64Array(buffer, core.driverSamplesAddress() >>> 0,
      taken * SAMPLE_WORDS).slice();
    for (let i = 0; i < taken; i++) {
      const at = i * SAMPLE_WORDS;
      const sample = sampleAt(values, at);
      samples.push(sample);
      onSample?.(sample);
    }
    if (status > RUN_DONE || (status === RUN_DONE && out[Out.ticks]! > ticksReported)) {
      ticksReported = out[Out.ticks]!;
      onTick?.(ticksReported, compiled.totalTicks);
    }
  } while (status > RUN_DONE);
  if (status < 0) rethrowRefusal(engine, out);
  return finish(engine, out, samples, options);
}

/** The run's result from the OUT block, as the host driver builds it. */
function finish(engine: WasmEngine, out: Float64Array, samples: Sample[],
  options: RunOptions): RunResult {
  const sampleEvery = options.sampleEvery ?? 0;
  const ticks = out[Out.ticks]!;
  const stats = engine.stats();
  if (sampleEvery > 0 && out[Out.lastSampleTick] !== ticks - 1 && ticks > 0) {
    const sample: Sample = { tick: ticks - 1, ...stats };
    samples.push(sample);
    options.onSample?.(sample);
  }
  const peakTick = out[Out.peakTick]!;
  return {
    stats,
    peak: peakTick < 0 ? { tick: 0, ...stats }
      : { tick: peakTick, ...statsAt(out, Out.peakStats) },
    meanStackInuse: ticks === 0 ? stats.stackInuse : out[Out.inuseSum]! / ticks,
    lifecycles: out[Out.lifecycles]!,
    exits: out[Out.exits]!,
    operations: out[Out.operations]!,
    ticks,
    samples,
  };
}
