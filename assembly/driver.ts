// The scenario driver inside the core: the state machine of
// src/workload/driver.ts (docs/SCENARIOS.md, "The driver algorithm") over a
// compiled scenario copied into linear memory once, calling the operations
// of operations.ts directly, so a whole run costs one host call per batch
// instead of one per operation. It issues the same operations in the same
// order as the host driver, so stats, peak and samples are bit-identical.
//
// The host drives it in three steps: driverInput reserves the input block
// and the host copies the compiled arrays into it; driverStart seeds the
// run; driverRun runs ticks until a bound and returns. After each
// driverRun the host reads the OUT block and the samples the batch took.
//
// Input block (driverInput), arrays back to back, all 4-byte words:
// +0                 phases       phaseCount * PHASE_WORDS u32 (PhaseWord)
// +phasesBytes       tables       tableCount * TABLE_ENTRIES i32
// +... + tablesBytes gcTicks      gcTickCount u32
// +... + gcBytes     resizeSteps  resizePairCount (atTick u32, procs u32)
//
// OUT block (OUT_WORDS f64, at driverOutAddress()):
// +0   ticks            ticks run so far
// +8   lifecycles       newproc calls issued by the driver
// +16  exits            goexit calls issued by the driver
// +24  operations       operations issued
// +32  stackInuseSum    sum of stackInuse over tick ends
// +40  peakTick         tick of the peak, -1 before the first tick end
// +48  lastSampleTick   tick of the last sample, -1 = none
// +56  samples          samples in the sample buffer from the last batch
// +64  failOp           opcode (opcodes.ts) of a refused operation, 0 = none
// +72  failP            its P argument (procresize: GOMAXPROCS asked)
// +80  failG            its G index
// +88  failBytes        its byte argument
// +96  procs            the driver's GOMAXPROCS now
// +104 pending          goroutines waiting in the wheel
// +128 peak stats       STATS_COUNT f64, the Stats at the peak tick end
//
// Sample record (SAMPLE_WORDS f64): +0 tick, +8 the STATS_COUNT stats
// fields in STATS order (stats.ts). SAMPLE_CAPACITY records; a batch ends
// early when the buffer is full, and the next driverRun starts it empty.

import { ErrorCode } from "./errors";
import { PROCS, globalU32 } from "./globals";
import { gRecord, recStackBytes } from "./goroutines";
import { reserveBytes } from "./memory";
import {
  OP_GC, OP_GC_FINISH, OP_GC_START, OP_NEWPROC, OP_PROCRESIZE, OP_STACKALLOC,
  OP_USE,
} from "./opcodes";
import {
  countExits, gc, gcFinish, gcStart, goexitUncounted, newprocOn, newprocRecord, procresize,
  useOn,
} from "./operations";
import { rawStackallocOn, rawStackfreeSlot } from "./operations";
import { rngNext, rngSeed } from "./rng";
import { STATS_COUNT, ST_STACK_INUSE, stat, statsAddress } from "./stats";
import {
  WAIT_G_MASK, WAIT_HAS_RAW, bucketCount, bucketEntry, pendingCount, waitingRawBytes,
  waitingRawSlot, wheelAdd, wheelBucket, wheelInit, wheelReleased,
} from "./wheel";

/** Words of a phase record and their offsets (PhaseWord in compile.ts). */
export const PHASE_WORDS: u32 = 24;
const W_DURATION: usize = 0;
const W_WHOLE: usize = 1;
const W_FRACTION: usize = 2;
const W_EVERY: usize = 3;
const W_LIFETIME_TABLE: usize = 4;
const W_LIFETIME_FIXED: usize = 5;
const W_PEAK_TABLE: usize = 6;
const W_PEAK_FIXED: usize = 7;
const W_BLOCKED_TABLE: usize = 8;
const W_BLOCKED_FIXED: usize = 9;
const W_PLACEMENT: usize = 10;
const W_PLACEMENT_P: usize = 11;
const W_NOP_MODE: usize = 12;
const W_NOP_THRESHOLD: usize = 13;
const W_NOP_BYTES: usize = 14;
const W_GC_KIND: usize = 15;
const W_GC_EVERY: usize = 16;
const W_GC_LIST_START: usize = 17;
const W_GC_LIST_COUNT: usize = 18;
const W_GC_MARK_TICKS: usize = 19;
const W_GC_P: usize = 20;
const W_RESIZE_START: usize = 21;
const W_RESIZE_COUNT: usize = 22;
const W_STOP_WHEN_EMPTY: usize = 23;

/** Entries per quantile table; a draw indexes it with next() >> 20. */
export const TABLE_ENTRIES: u32 = 4096;
const TABLE_INDEX_SHIFT: u32 = 20;
/** "No table": the distribution is fixed. */
const NO_TABLE: u32 = 0xffffffff;
/** Fixed-point one of arrival fractions (16 fraction bits). */
const RATE_ONE: u32 = 65536;
const WORD_SHIFT: usize = 2;

const PLACE_ROUND_ROBIN: u32 = 0;
const PLACE_RANDOM: u32 = 1;
const NOP_ALWAYS: u32 = 1;
const NOP_DRAW: u32 = 2;
const GC_EVERY_EXITS: u32 = 1;
const GC_EVERY_TICKS: u32 = 2;
const GC_AT_TICKS: u32 = 3;

/** OUT block fields, as f64 word indices. */
const OUT_TICKS: usize = 0;
const OUT_LIFECYCLES: usize = 1;
const OUT_EXITS: usize = 2;
const OUT_OPERATIONS: usize = 3;
const OUT_INUSE_SUM: usize = 4;
const OUT_PEAK_TICK: usize = 5;
const OUT_LAST_SAMPLE: usize = 6;
const OUT_SAMPLES: usize = 7;
const OUT_FAIL_OP: usize = 8;
const OUT_FAIL_P: usize = 9;
const OUT_FAIL_G: usize = 10;
const OUT_FAIL_BYTES: usize = 11;
const OUT_PROCS: usize = 12;
const OUT_PENDING: usize = 13;
const OUT_PEAK_STATS: usize = 16;
const OUT_WORDS: usize = OUT_PEAK_STATS + (STATS_COUNT as usize);
const STATS_BYTES: usize = (STATS_COUNT as usize) << 3;

/** Sample records: the tick, then the stats. */
export const SAMPLE_WORDS: u32 = 1 + STATS_COUNT;
const SAMPLE_BYTES: usize = (SAMPLE_WORDS as usize) << 3;
export const SAMPLE_CAPACITY: u32 = 512;

/** driverRun results besides -ErrorCode. */
const RUN_DONE: i32 = 0;
const RUN_MORE: i32 = 1;
/** "None" for tick-valued state. */
const NO_TICK: i64 = -1;

// Input block.
let inputAddr: usize = 0;
let inputBytes: usize = 0;
let phasesAddr: usize = 0;
let tablesAddr: usize = 0;
let gcTicksAddr: usize = 0;
let resizeAddr: usize = 0;
let phaseCount: u32 = 0;
let outAddr: usize = 0;
let samplesAddr: usize = 0;

// Run state (src/workload/driver.ts keeps the same variables).
let started = false;
let finished = false;
let wheelMask: u32 = 0;
let sampleEvery: u64 = 0;
let procs: u32 = 0;
let roundRobinNext: u32 = 0;
let exitsSinceGc: u64 = 0;
let markEndTick: i64 = NO_TICK;
let markP: u32 = 0;
let tick: u64 = 0;
let lifecycles: f64 = 0;
let exits: f64 = 0;
let operations: f64 = 0;
let stackInuseSum: f64 = 0;
let peakTick: i64 = NO_TICK;
let peakInuse: f64 = 0;
let lastSampleTick: i64 = NO_TICK;
let samples: u32 = 0;

// The current phase: its index, its tick and the fields of its record.
let phase: u32 = 0;
let phaseLoaded = false;
let phaseTick: u32 = 0;
let rateCarry: u32 = 0;
let gcListPos: u32 = 0;
let resizePos: u32 = 0;
let durationTicks: u32 = 0;
let arrivalsWhole: u32 = 0;
let arrivalsFraction: u32 = 0;
let everyTicks: u32 = 0;
let lifetimeTable: u32 = 0;
let lifetimeFixed: u32 = 0;
let peakTable: u32 = 0;
let peakFixed: u32 = 0;
let blockedTable: u32 = 0;
let blockedFixed: u32 = 0;
let placementKind: u32 = 0;
let placementP: u32 = 0;
let noPMode: u32 = 0;
let noPThreshold: u32 = 0;
let noPBytes: u32 = 0;
let gcKind: u32 = 0;
let gcEvery: u32 = 0;
let gcListStart: u32 = 0;
let gcListCount: u32 = 0;
let gcMarkTicks: u32 = 0;
let gcP: u32 = 0;
let resizeStart: u32 = 0;
let resizeCount: u32 = 0;
let stopWhenEmpty = false;

// @ts-ignore: decorator
@inline function setOut(field: usize, value: f64): void {
  store<f64>(outAddr + (field << 3), value);
}

/**
 * Reserves the input block for a compiled scenario of these sizes and
 * returns its address; the host copies the arrays in (layout above).
 */
export function driverInput(phases: u32, tables: u32, gcTicks: u32,
  resizePairs: u32): usize {
  const phasesBytes = ((phases * PHASE_WORDS) as usize) << WORD_SHIFT;
  const tablesBytes = ((tables * TABLE_ENTRIES) as usize) << WORD_SHIFT;
  const gcBytes = (gcTicks as usize) << WORD_SHIFT;
  const resizeBytes = (resizePairs as usize) << (WORD_SHIFT + 1);
  // A later run on the same instance reuses the block when it fits, so
  // repeated runs do not grow memory.
  const bytes = phasesBytes + tablesBytes + gcBytes + resizeBytes;
  if (inputAddr == 0 || bytes > inputBytes) {
    inputAddr = reserveBytes(bytes);
    inputBytes = bytes;
  }
  phasesAddr = inputAddr;
  tablesAddr = phasesAddr + phasesBytes;
  gcTicksAddr = tablesAddr + tablesBytes;
  resizeAddr = gcTicksAddr + gcBytes;
  phaseCount = phases;
  started = false;
  return inputAddr;
}

/**
 * Starts a run over the input block: seeds the generator, empties the
 * wheel and zeroes the counters. `procs` is the GOMAXPROCS the host driver
 * would start from (the engine's configured procs), `sampleEvery` 0 for no
 * samples.
 * @returns 0, or -BadArgument without an input block or with a wheel size
 * that is not a power of two, or procs outside 1..1024
 */
export function driverStart(seed: u32, wheelSize: u32, startProcs: u32,
  every: u32): i32 {
  if (inputAddr == 0 || wheelSize == 0 || (wheelSize & (wheelSize - 1)) != 0
    || startProcs == 0 || startProcs > 1024) return -ErrorCode.BadArgument;
  if (outAddr == 0) {
    outAddr = reserveBytes(OUT_WORDS << 3);
    samplesAddr = reserveBytes((SAMPLE_CAPACITY as usize) * SAMPLE_BYTES);
  }
  memory.fill(outAddr, 0, OUT_WORDS << 3);
  rngSeed(seed);
  wheelInit(wheelSize);
  wheelMask = wheelSize - 1;
  sampleEvery = every;
  procs = startProcs;
  roundRobinNext = 0;
  exitsSinceGc = 0;
  markEndTick = NO_TICK;
  markP = 0;
  tick = 0;
  lifecycles = 0;
  exits = 0;
  operations = 0;
  stackInuseSum = 0;
  peakTick = NO_TICK;
  peakInuse = 0;
  lastSampleTick = NO_TICK;
  samples = 0;
  phase = 0;
  phaseLoaded = false;
  started = true;
  finished = false;
  writeOut();
  return 0;
}

// @ts-ignore: decorator
@inline function phaseWord(word: usize): u32 {
  return load<u32>(phasesAddr + ((((phase * PHASE_WORDS) as usize) + word) << WORD_SHIFT));
}

function loadPhase(): void {
  durationTicks = phaseWord(W_DURATION);
  arrivalsWhole = phaseWord(W_WHOLE);
  arrivalsFraction = phaseWord(W_FRACTION);
  everyTicks = phaseWord(W_EVERY);
  lifetimeTable = phaseWord(W_LIFETIME_TABLE);
  lifetimeFixed = phaseWord(W_LIFETIME_FIXED);
  peakTable = phaseWord(W_PEAK_TABLE);
  peakFixed = phaseWord(W_PEAK_FIXED);
  blockedTable = phaseWord(W_BLOCKED_TABLE);
  blockedFixed = phaseWord(W_BLOCKED_FIXED);
  placementKind = phaseWord(W_PLACEMENT);
  placementP = phaseWord(W_PLACEMENT_P);
  noPMode = phaseWord(W_NOP_MODE);
  noPThreshold = phaseWord(W_NOP_THRESHOLD);
  noPBytes = phaseWord(W_NOP_BYTES);
  gcKind = phaseWord(W_GC_KIND);
  gcEvery = phaseWord(W_GC_EVERY);
  gcListStart = phaseWord(W_GC_LIST_START);
  gcListCount = phaseWord(W_GC_LIST_COUNT);
  gcMarkTicks = phaseWord(W_GC_MARK_TICKS);
  gcP = phaseWord(W_GC_P);
  resizeStart = phaseWord(W_RESIZE_START);
  resizeCount = phaseWord(W_RESIZE_COUNT);
  stopWhenEmpty = phaseWord(W_STOP_WHEN_EMPTY) != 0;
  rateCarry = 0;
  gcListPos = 0;
  resizePos = 0;
  phaseTick = 0;
  phaseLoaded = true;
}

/** A draw from a quantile table, or the fixed value (no draw). */
// @ts-ignore: decorator
@inline function draw(table: u32, fixed: u32): u32 {
  if (table == NO_TABLE) return fixed;
  const entry = (table * TABLE_ENTRIES + (rngNext() >> TABLE_INDEX_SHIFT)) as usize;
  return load<u32>(tablesAddr + (entry << WORD_SHIFT));
}

/** Records a refused operation for the host; the run ends here. */
function refuse(op: u32, p: u32, g: u32, bytes: u32, status: i32): i32 {
  setOut(OUT_FAIL_OP, op as f64);
  setOut(OUT_FAIL_P, p as f64);
  setOut(OUT_FAIL_G, g as f64);
  setOut(OUT_FAIL_BYTES, bytes as f64);
  finished = true;
  return status;
}

/** Step 1: procresize steps due at this phase tick. */
function stepProcresize(): i32 {
  while (resizePos < resizeCount) {
    const at = resizeAddr + (((resizeStart + resizePos) as usize) << (WORD_SHIFT + 1));
    if (load<u32>(at) != phaseTick) break;
    const n = load<u32>(at, 4);
    const status = procresize(n as i32);
    if (status < 0) return refuse(OP_PROCRESIZE, n, 0, 0, status);
    operations++;
    procs = n;
    if (roundRobinNext >= procs) roundRobinNext = 0;
    resizePos++;
  }
  return 0;
}

/** Step 2: exits due at this tick, in arrival order. */
function stepExits(): i32 {
  const bucket = wheelBucket((tick as u32) & wheelMask);
  const count = bucketCount(bucket);
  // The exits' counters are summed here and added once (countExits).
  let exitedBytes: u64 = 0;
  let keptBytes: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const entry = bucketEntry(bucket, i);
    const g = entry & WAIT_G_MASK;
    if ((entry & WAIT_HAS_RAW) != 0) {
      rawStackfreeSlot(waitingRawSlot(g), waitingRawBytes(g));
      operations++;
    }
    // The wheel holds only goroutines the driver made and has not ended,
    // so goexit cannot be refused.
    const rec = gRecord(g);
    const stackBytes = recStackBytes(rec);
    keptBytes += goexitUncounted(g, rec, stackBytes);
    exitedBytes += stackBytes;
  }
  wheelReleased(bucket, count);
  countExits(count, exitedBytes, keptBytes);
  operations += count;
  exits += count;
  exitsSinceGc += count;
  return 0;
}

/** Step 3: finish a GC whose mark ends now, else maybe start one. */
function stepGc(): i32 {
  let fire = false;
  if (gcKind == GC_EVERY_EXITS) {
    fire = exitsSinceGc >= (gcEvery as u64);
  } else if (gcKind == GC_EVERY_TICKS) {
    fire = gcEvery != 0 && phaseTick > 0 && phaseTick % gcEvery == 0;
  } else if (gcKind == GC_AT_TICKS && gcListPos < gcListCount) {
    const at = gcTicksAddr + (((gcListStart + gcListPos) as usize) << WORD_SHIFT);
    if (load<u32>(at) == phaseTick) {
      fire = true;
      gcListPos++;
    }
  }
  if (markEndTick == (tick as i64)) {
    const p = markP % procs;
    const status = gcFinish(p as i32);
    if (status < 0) return refuse(OP_GC_FINISH, p, 0, 0, status);
    operations++;
    markEndTick = NO_TICK;
  } else if (fire && markEndTick == NO_TICK) {
    const p = gcP % procs;
    exitsSinceGc = 0;
    if (gcMarkTicks == 0) {
      const status = gc(p as i32);
      if (status < 0) return refuse(OP_GC, p, 0, 0, status);
    } else {
      const status = gcStart(p as i32);
      if (status < 0) return refuse(OP_GC_START, p, 0, 0, status);
      markEndTick = (tick as i64) + (gcMarkTicks as i64);
      markP = p;
    }
    operations++;
  }
  return 0;
}

/**
 * One arrival: draws, then newproc, two uses and maybe a raw stack.
 * Inlined into the arrivals loop, which saves a call per goroutine.
 */
// @ts-ignore: decorator
@inline function arrive(): i32 {
  const lifetime = draw(lifetimeTable, lifetimeFixed);
  const peakBytes = draw(peakTable, peakFixed);
  const blockedBytes = draw(blockedTable, blockedFixed);
  let p: u32;
  if (placementKind == PLACE_ROUND_ROBIN) {
    // In a local: reading the global back right after writing it made
    // V8 wait for the store on every arrival.
    p = roundRobinNext;
    const next = p + 1;
    roundRobinNext = next >= procs ? 0 : next;
  } else if (placementKind == PLACE_RANDOM) {
    p = rngNext() % procs;
  } else {
    p = placementP % procs;
  }
  const raw = noPMode == NOP_ALWAYS || (noPMode == NOP_DRAW && rngNext() < noPThreshold);

  // The driver's procs equals the core's GOMAXPROCS unless the engine was
  // resized through the host API before the run; that case must still be
  // refused as the host driver's newproc would be. Past this check, p is
  // valid and g is the goroutine just made, so only the checks that depend
  // on the model's state (memory, overflow) can refuse.
  if (p >= globalU32(PROCS)) return refuse(OP_NEWPROC, p, 0, 0, -ErrorCode.BadP);
  const made = newprocOn(p);
  if (made < 0) return refuse(OP_NEWPROC, p, 0, 0, made);
  const g = made as u32;
  const rec = newprocRecord;
  let status = useOn(g, rec, peakBytes);
  if (status < 0) return refuse(OP_USE, p, g, peakBytes, status);
  status = useOn(g, rec, blockedBytes);
  if (status < 0) return refuse(OP_USE, p, g, blockedBytes, status);
  operations += 3;
  let rawSlot: u32 = 0;
  if (raw) {
    const slot = rawStackallocOn(noPBytes);
    if (slot < 0) return refuse(OP_STACKALLOC, 0, g, noPBytes, slot);
    rawSlot = slot as u32;
    operations++;
  }
  wheelAdd(((tick as u32) + lifetime) & wheelMask, g, rawSlot, raw ? noPBytes : 0);
  lifecycles++;
  return 0;
}

/** Step 4: the arrivals of this tick. */
function stepArrivals(): i32 {
  if (everyTicks == 0 || phaseTick % everyTicks != 0) return 0;
  let count = arrivalsWhole;
  rateCarry += arrivalsFraction;
  if (rateCarry >= RATE_ONE) {
    rateCarry -= RATE_ONE;
    count++;
  }
  for (let i: u32 = 0; i < count; i++) {
    const status = arrive();
    if (status < 0) return status;
  }
  return 0;
}

/** Step 5: the tick end's stackInuse, peak and sample. */
function stepObserve(): void {
  const inuse = stat(ST_STACK_INUSE);
  stackInuseSum += inuse;
  if (peakTick == NO_TICK || inuse > peakInuse) {
    peakTick = tick as i64;
    peakInuse = inuse;
    memory.copy(outAddr + (OUT_PEAK_STATS << 3), statsAddress(), STATS_BYTES);
  }
  if (sampleEvery != 0 && (tick + 1) % sampleEvery == 0) {
    const record = samplesAddr + (samples as usize) * SAMPLE_BYTES;
    store<f64>(record, tick as f64);
    memory.copy(record + 8, statsAddress(), STATS_BYTES);
    samples++;
    lastSampleTick = tick as i64;
  }
}

function runTick(): i32 {
  let status = stepProcresize();
  if (status < 0) return status;
  status = stepExits();
  if (status < 0) return status;
  status = stepGc();
  if (status < 0) return status;
  status = stepArrivals();
  if (status < 0) return status;
  stepObserve();
  tick++;
  phaseTick++;
  return 0;
}

function writeOut(): void {
  setOut(OUT_TICKS, tick as f64);
  setOut(OUT_LIFECYCLES, lifecycles);
  setOut(OUT_EXITS, exits);
  setOut(OUT_OPERATIONS, operations);
  setOut(OUT_INUSE_SUM, stackInuseSum);
  setOut(OUT_PEAK_TICK, peakTick as f64);
  setOut(OUT_LAST_SAMPLE, lastSampleTick as f64);
  setOut(OUT_SAMPLES, samples as f64);
  setOut(OUT_PROCS, procs as f64);
  setOut(OUT_PENDING, pendingCount as f64);
}

/** Whether the run is over: every phase done, or its stop rule met. */
function advancePhase(): bool {
  while (phase < phaseCount) {
    if (!phaseLoaded) loadPhase();
    const empty = pendingCount == 0 && markEndTick == NO_TICK;
    if (phaseTick < durationTicks && !(stopWhenEmpty && empty)) return false;
    phase++;
    phaseLoaded = false;
  }
  return true;
}

/**
 * Runs ticks until the run ends, `maxTicks` ticks have run, `maxOps`
 * operations have been issued in this call (checked at tick ends) or the
 * sample buffer is full. A tick always runs whole.
 * @returns 1 when ticks remain, 0 when the run is over, or -ErrorCode when
 * an operation was refused (the OUT block names it; the model is as the
 * refused operation found it)
 */
export function driverRun(maxTicks: u32, maxOps: f64): i32 {
  if (!started) return -ErrorCode.BadArgument;
  samples = 0;
  if (finished) {
    writeOut();
    return RUN_DONE;
  }
  const opsAtStart = operations;
  let ticksRun: u32 = 0;
  let result = RUN_MORE;
  while (true) {
    if (advancePhase()) {
      finished = true;
      result = RUN_DONE;
      break;
    }
    if (ticksRun >= maxTicks || samples >= SAMPLE_CAPACITY
      || operations - opsAtStart >= maxOps) break;
    const status = runTick();
    if (status < 0) {
      result = status;
      break;
    }
    ticksRun++;
  }
  writeOut();
  return result;
}

/** Address of the OUT block (valid after driverStart). */
export function driverOutAddress(): usize {
  return outAddr;
}

/** Address of the sample buffer (valid after driverStart). */
export function driverSamplesAddress(): usize {
  return samplesAddr;
}
