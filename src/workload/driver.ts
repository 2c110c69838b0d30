// The workload driver: runs a compiled scenario against any Engine through
// its public methods. It is an integer-only state machine (xoshiro128**
// draws, quantile tables, a timing wheel of FIFO lists) so that the
// AssemblyScript core can run the same algorithm and issue the bit-identical
// operation sequence. docs/SCENARIOS.md ("The driver algorithm") is the
// porting spec; any change here must change that section too.
//
// On a wasm engine, with no onOp callback and no per-operation invariant
// checks, runScenario hands the run to the core's own copy of this state
// machine (src/wasm/driver.ts), which gives the same results without a
// host call per operation. `stacklab run --trace` asks for onOp, so traced
// runs always take the per-operation path below.

import type { Engine, Stats, Stack } from "../types.js";
import {
  GcKind, NO_TABLE, NoPMode, PHASE_WORDS, PhaseWord, Placement, RATE_ONE,
  TABLE_ENTRIES, TABLE_INDEX_SHIFT,
} from "./compile.js";
import { Rng } from "./rng.js";
import { runScenarioNative } from "../wasm/driver.js";
import { WasmEngine } from "../wasm/engine.js";
import type { CompiledScenario, RunOptions, RunResult, Sample } from "./types.js";

/** End of a slot list. */
const NIL = -1;
/** Initial capacity of the pending-goroutine slot arrays. */
const INITIAL_SLOTS = 1024;

/**
 * Pending goroutines: slot records linked into one FIFO list per wheel
 * bucket, plus a LIFO list of free slots. Slot numbers never reach the
 * engine, so their reuse order cannot change the operation sequence.
 */
class PendingSet {
  goid = new Float64Array(INITIAL_SLOTS);
  rawLo = new Float64Array(INITIAL_SLOTS);
  rawBytes = new Uint32Array(INITIAL_SLOTS);
  next = new Int32Array(INITIAL_SLOTS);
  readonly head: Int32Array;
  readonly tail: Int32Array;
  freeHead = NIL;
  used = 0;
  count = 0;

  constructor(readonly wheelSize: number) {
    this.head = new Int32Array(wheelSize).fill(NIL);
    this.tail = new Int32Array(wheelSize).fill(NIL);
  }

  /** Appends a goroutine to the list of bucket `bucket`. */
  add(bucket: number, goid: number, rawLo: number, rawBytes: number): void {
    let slot = this.freeHead;
    if (slot !== NIL) {
      this.freeHead = this.next[slot]!;
    } else {
      if (this.used === this.goid.length) this.grow();
      slot = this.used++;
    }
    this.goid[slot] = goid;
    this.rawLo[slot] = rawLo;
    this.rawBytes[slot] = rawBytes;
    this.next[slot] = NIL;
    const tail = this.tail[bucket]!;
    if (tail === NIL) this.head[bucket] = slot;
    else this.next[tail] = slot;
    this.tail[bucket] = slot;
    this.count++;
  }

  /** Detaches the whole list of a bucket and returns its first slot. */
  take(bucket: number): number {
    const first = this.head[bucket]!;
    this.head[bucket] = NIL;
    this.tail[bucket] = NIL;
    return first;
  }

  release(slot: number): void {
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.count--;
  }

  private grow(): void {
    const size = this.goid.length * 2;
    const widen = <T extends Float64Array | Uint32Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old as never);
      return fresh;
    };
    this.goid = widen(this.goid, new Float64Array(size));
    this.rawLo = widen(this.rawLo, new Float64Array(size));
    this.rawBytes = widen(this.rawBytes, new Uint32Array(size));
    this.next = widen(this.next, new Int32Array(size));
  }
}

function sampleOf(tick: number, stats: Stats): Sample {
  return { tick, ...stats };
}

/**
 * Runs a compiled scenario on an engine. The engine should have been
 * created with `compiled.engineOptions`; the driver reads GOMAXPROCS from
 * `engine.config.procs`.
 * @param engine any Engine (reference or wasm).
 * @param compiled the output of compileScenario.
 * @returns final stats, the stats at the tick end with the highest
 * stackInuse, counts and samples.
 * @throws UsageError (from the engine) when an operation is refused, for
 * example "stack overflow" or "out of simulated memory".
 */
export function runScenario(engine: Engine, compiled: CompiledScenario,
  options: RunOptions = {}): RunResult {
  if (options.onOp === undefined && engine instanceof WasmEngine
    && !engine.config.checkInvariants) {
    return runScenarioNative(engine, compiled, options);
  }
  const { phases, tables, gcTicks, resizeSteps } = compiled;
  const { onOp, onSample, onTick } = options;
  const sampleEvery = options.sampleEvery ?? 0;
  const rng = new Rng(compiled.seed);
  const wheelMask = compiled.wheelSize - 1;
  const pending = new PendingSet(compiled.wheelSize);
  const samples: Sample[] = [];

  let procs = engine.config.procs;
  let roundRobinNext = 0;
  let exitsSinceGc = 0;
  let markEndTick = NIL;
  let markP = 0;
  let tick = 0;
  let lifecycles = 0;
  let exits = 0;
  let operations = 0;
  let peak: Sample | undefined;
  let stackInuseSum = 0;
  let lastSampleTick = NIL;

  const draw = (table: number, fixed: number): number =>
    table === NO_TABLE ? fixed
      : tables[table * TABLE_ENTRIES + (rng.next() >>> TABLE_INDEX_SHIFT)]!;

  for (let ph = 0; ph < compiled.phaseCount; ph++) {
    const base = ph * PHASE_WORDS;
    const word = (k: number): number => phases[base + k]!;
    const durationTicks = word(PhaseWord.durationTicks);
    const arrivalsWhole = word(PhaseWord.arrivalsWhole);
    const arrivalsFraction = word(PhaseWord.arrivalsFraction);
    const everyTicks = word(PhaseWord.arrivalsEveryTicks);
    const lifetimeTable = word(PhaseWord.lifetimeTable);
    const lifetimeFixed = word(PhaseWord.lifetimeFixed);
    const peakTable = word(PhaseWord.peakTable);
    const peakFixed = word(PhaseWord.peakFixed);
    const blockedTable = word(PhaseWord.blockedTable);
    const blockedFixed = word(PhaseWord.blockedFixed);
    const placementKind = word(PhaseWord.placementKind);
    const placementP = word(PhaseWord.placementP);
    const noPMode = word(PhaseWord.noPMode);
    const noPThreshold = word(PhaseWord.noPThreshold);
    const noPBytes = word(PhaseWord.noPBytes);
    const gcKind = word(PhaseWord.gcKind);
    const gcEvery = word(PhaseWord.gcEvery);
    const gcListStart = word(PhaseWord.gcListStart);
    const gcListCount = word(PhaseWord.gcListCount);
    const gcMarkTicks = word(PhaseWord.gcMarkTicks);
    const gcP = word(PhaseWord.gcP);
    const resizeStart = word(PhaseWord.resizeStart);
    const resizeCount = word(PhaseWord.resizeCount);
    const stopWhenEmpty = word(PhaseWord.stopWhenEmpty) !== 0;
    let rateCarry = 0;
    let gcListPos = 0;
    let resizePos = 0;

    for (let t = 0; t < durationTicks; t++) {
      if (stopWhenEmpty && pending.count === 0 && markEndTick === NIL) break;

      // Step 1: procresize steps due at this phase tick, in listed order.
      while (resizePos < resizeCount && resizeSteps[2 * (resizeStart + resizePos)] === t) {
        const n = resizeSteps[2 * (resizeStart + resizePos) + 1]!;
        onOp?.({ op: "procresize", n });
        engine.procresize(n);
        operations++;
        procs = n;
        if (roundRobinNext >= procs) roundRobinNext = 0;
        resizePos++;
      }

      // Step 2: exits due at this tick, in arrival order.
      let slot = pending.take(tick & wheelMask);
      while (slot !== NIL) {
        const following = pending.next[slot]!;
        const goid = pending.goid[slot]!;
        const rawBytes = pending.rawBytes[slot]!;
        if (rawBytes !== 0) {
          const lo = pending.rawLo[slot]!;
          onOp?.({ op: "stackfree", lo, bytes: rawBytes, p: "noP" });
          engine.stackfree({ lo, hi: lo + rawBytes }, "noP");
          operations++;
        }
        onOp?.({ op: "goexit", g: goid });
        engine.goexit(goid);
        operations++;
        exits++;
        exitsSinceGc++;
        pending.release(slot);
        slot = following;
      }

      // Step 3: finish a GC whose mark ends now, else maybe start one.
      let fire = false;
      if (gcKind === GcKind.everyExits) fire = exitsSinceGc >= gcEvery;
      else if (gcKind === GcKind.everyTicks) fire = t > 0 && t % gcEvery === 0;
      else if (gcKind === GcKind.atTicks && gcListPos < gcListCount
        && gcTicks[gcListStart + gcListPos] === t) {
        fire = true;
        gcListPos++;
      }
      if (markEndTick === tick) {
        const p = markP % procs;
        onOp?.({ op: "gcFinish", p });
        engine.gcFinish(p);
        operations++;
        markEndTick = NIL;
      } else if (fire && markEndTick === NIL) {
        const p = gcP % procs;
        exitsSinceGc = 0;
        if (gcMarkTicks === 0) {
          onOp?.({ op: "gc", p });
          engine.gc(p);
        } else {
          onOp?.({ op: "gcStart", p });
          engine.gcStart(p);
          markEndTick = tick + gcMarkTicks;
          markP = p;
        }
        operations++;
      }

      // Step 4: arrivals.
      if (t % everyTicks === 0) {
        let count = arrivalsWhole;
        rateCarry += arrivalsFraction;
        if (rateCarry >= RATE_ONE) {
          rateCarry -= RATE_ONE;
          count++;
        }
        for (let i = 0; i < count; i++) {
          const lifetime = draw(lifetimeTable, lifetimeFixed);
          const peakBytes = draw(peakTable, peakFixed);
          const blockedBytes = draw(blockedTable, blockedFixed);
          let p: number;
          if (placementKind === Placement.roundRobin) {
            p = roundRobinNext;
            roundRobinNext++;
            if (roundRobinNext >= procs) roundRobinNext = 0;
          } else if (placementKind === Placement.random) {
            p = rng.next() % procs;
          } else {
            p = placementP % procs;
          }
          const raw = noPMode === NoPMode.always
            || (noPMode === NoPMode.draw && rng.next() < noPThreshold);

          onOp?.({ op: "newproc", p });
          const g = engine.newproc(p);
          onOp?.({ op: "use", g, bytes: peakBytes });
          engine.use(g, peakBytes);
          onOp?.({ op: "use", g, bytes: blockedBytes });
          engine.use(g, blockedBytes);
          operations += 3;
          let rawLo = 0;
          if (raw) {
            onOp?.({ op: "stackalloc", bytes: noPBytes, p: "noP" });
            const stack: Stack = engine.stackalloc(noPBytes, "noP");
            rawLo = stack.lo;
            operations++;
          }
          pending.add((tick + lifetime) & wheelMask, g, rawLo, raw ? noPBytes : 0);
          lifecycles++;
        }
      }

      // Step 5: observe (no operations).
      const stats = engine.stats();
      stackInuseSum += stats.stackInuse;
      if (peak === undefined || stats.stackInuse > peak.stackInuse) peak = sampleOf(tick, stats);
      if (sampleEvery > 0 && (tick + 1) % sampleEvery === 0) {
        const sample = sampleOf(tick, stats);
        samples.push(sample);
        onSample?.(sample);
        lastSampleTick = tick;
      }
      tick++;
      onTick?.(tick, compiled.totalTicks);
    }
  }

  const stats = engine.stats();
  if (sampleEvery > 0 && lastSampleTick !== tick - 1 && tick > 0) {
    const sample = sampleOf(tick - 1, stats);
    samples.push(sample);
    onSample?.(sample);
  }
  return {
    stats,
    peak: peak ?? sampleOf(0, stats),
    meanStackInuse: tick === 0 ? stats.stackInuse : stackInuseSum / tick,
    lifecycles,
    exits,
    operations,
    ticks: tick,
    samples,
  };
}
