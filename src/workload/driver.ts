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
//
// The per-operation path is the ScenarioRun class, which can stop between
// any two ticks and go on later (the browser explorer runs it in slices so
// that its workers stay responsive); runScenario runs one to the end.

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

/** The words of one compiled phase, decoded when the run enters it. */
interface PhaseParams {
  durationTicks: number;
  arrivalsWhole: number;
  arrivalsFraction: number;
  everyTicks: number;
  lifetimeTable: number;
  lifetimeFixed: number;
  peakTable: number;
  peakFixed: number;
  blockedTable: number;
  blockedFixed: number;
  placementKind: number;
  placementP: number;
  noPMode: number;
  noPThreshold: number;
  noPBytes: number;
  gcKind: number;
  gcEvery: number;
  gcListStart: number;
  gcListCount: number;
  gcMarkTicks: number;
  gcP: number;
  resizeStart: number;
  resizeCount: number;
  stopWhenEmpty: boolean;
}

function decodePhase(phases: ArrayLike<number>, ph: number): PhaseParams {
  const base = ph * PHASE_WORDS;
  const word = (k: number): number => phases[base + k]!;
  return {
    durationTicks: word(PhaseWord.durationTicks),
    arrivalsWhole: word(PhaseWord.arrivalsWhole),
    arrivalsFraction: word(PhaseWord.arrivalsFraction),
    everyTicks: word(PhaseWord.arrivalsEveryTicks),
    lifetimeTable: word(PhaseWord.lifetimeTable),
    lifetimeFixed: word(PhaseWord.lifetimeFixed),
    peakTable: word(PhaseWord.peakTable),
    peakFixed: word(PhaseWord.peakFixed),
    blockedTable: word(PhaseWord.blockedTable),
    blockedFixed: word(PhaseWord.blockedFixed),
    placementKind: word(PhaseWord.placementKind),
    placementP: word(PhaseWord.placementP),
    noPMode: word(PhaseWord.noPMode),
    noPThreshold: word(PhaseWord.noPThreshold),
    noPBytes: word(PhaseWord.noPBytes),
    gcKind: word(PhaseWord.gcKind),
    gcEvery: word(PhaseWord.gcEvery),
    gcListStart: word(PhaseWord.gcListStart),
    gcListCount: word(PhaseWord.gcListCount),
    gcMarkTicks: word(PhaseWord.gcMarkTicks),
    gcP: word(PhaseWord.gcP),
    resizeStart: word(PhaseWord.resizeStart),
    resizeCount: word(PhaseWord.resizeCount),
    stopWhenEmpty: word(PhaseWord.stopWhenEmpty) !== 0,
  };
}

/**
 * One scenario run on the per-operation path, advanced a slice of ticks at
 * a time, so that a caller that must not block (a browser worker that
 * answers pause and step messages) can run it between other work. Slices
 * of any sizes give the operations, samples and result that one
 * runScenario call gives on the per-operation path. It never hands the run
 * to the wasm core's native driver: on a wasm engine each operation is a
 * host call.
 */
export class ScenarioRun {
  private readonly onOp: RunOptions["onOp"];
  private readonly onSample: RunOptions["onSample"];
  private readonly onTick: RunOptions["onTick"];
  private readonly sampleEvery: number;
  private readonly rng: Rng;
  private readonly wheelMask: number;
  private readonly pending: PendingSet;
  private readonly samples: Sample[] = [];

  /** Index of the current phase, and its decoded words once entered. */
  private ph = 0;
  private phase: PhaseParams | undefined;
  /** Ticks done in the current phase, and its per-phase positions. */
  private phaseTick = 0;
  private rateCarry = 0;
  private gcListPos = 0;
  private resizePos = 0;

  private procs: number;
  private roundRobinNext = 0;
  private exitsSinceGc = 0;
  private markEndTick = NIL;
  private markP = 0;
  private tick = 0;
  private lifecycles = 0;
  private exits = 0;
  private operations = 0;
  private peak: Sample | undefined;
  private stackInuseSum = 0;
  private lastSampleTick = NIL;
  private final: RunResult | undefined;
  /** Set while a slice runs; still set after an operation threw. */
  private broken = false;

  /**
   * Prepares a run; issues no operation until advance is called.
   * @param engine any Engine, created with `compiled.engineOptions`; the
   *   run reads GOMAXPROCS from `engine.config.procs`.
   * @param compiled the output of compileScenario.
   * @param options sampling and the onOp, onSample and onTick callbacks,
   *   as for runScenario.
   */
  constructor(private readonly engine: Engine, private readonly compiled: CompiledScenario,
    options: RunOptions = {}) {
    this.onOp = options.onOp;
    this.onSample = options.onSample;
    this.onTick = options.onTick;
    this.sampleEvery = options.sampleEvery ?? 0;
    this.rng = new Rng(compiled.seed);
    this.wheelMask = compiled.wheelSize - 1;
    this.pending = new PendingSet(compiled.wheelSize);
    this.procs = engine.config.procs;
  }

  /** Ticks simulated so far. */
  get ticks(): number {
    return this.tick;
  }

  /** Whether the last phase has ended (the final sample is taken then). */
  get finished(): boolean {
    return this.final !== undefined;
  }

  /**
   * Simulates up to `maxTicks` more ticks, fewer when the scenario ends.
   * @param maxTicks ticks to run at most (Infinity: to the end); 0 only
   *   moves past phases that are already over.
   * @returns true once the run is finished.
   * @throws UsageError (from the engine) when an operation is refused; the
   *   run then stands in the middle of a tick and refuses further slices.
   * @throws Error when called again after such a failure.
   */
  advance(maxTicks: number): boolean {
    if (this.final !== undefined) return true;
    if (this.broken) {
      throw new Error("ScenarioRun.advance: an earlier slice threw; the run cannot go on");
    }
    this.broken = true;
    let budget = maxTicks;
    for (;;) {
      let phase = this.phase;
      if (phase === undefined) {
        if (this.ph >= this.compiled.phaseCount) {
          this.finish();
          break;
        }
        phase = decodePhase(this.compiled.phases, this.ph);
        this.phase = phase;
        this.phaseTick = 0;
        this.rateCarry = 0;
        this.gcListPos = 0;
        this.resizePos = 0;
      }
      if (this.phaseTick >= phase.durationTicks || (phase.stopWhenEmpty
        && this.pending.count === 0 && this.markEndTick === NIL)) {
        this.ph++;
        this.phase = undefined;
        continue;
      }
      if (budget <= 0) break;
      budget--;
      this.runTick(phase);
    }
    this.broken = false;
    return this.final !== undefined;
  }

  /**
   * The result so far: the final one (samples include the last tick) once
   * the run is finished; before that, stats now and the samples taken so
   * far, without a closing sample.
   * @returns a RunResult; its samples array is the run's own, do not modify it.
   */
  result(): RunResult {
    return this.final ?? this.resultWith(this.engine.stats());
  }

  private resultWith(stats: Stats): RunResult {
    const tick = this.tick;
    return {
      stats,
      peak: this.peak ?? sampleOf(0, stats),
      meanStackInuse: tick === 0 ? stats.stackInuse : this.stackInuseSum / tick,
      lifecycles: this.lifecycles,
      exits: this.exits,
      operations: this.operations,
      ticks: tick,
      samples: this.samples,
    };
  }

  /** Takes the closing sample (when sampling) and fixes the final result. */
  private finish(): void {
    const stats = this.engine.stats();
    const tick = this.tick;
    if (this.sampleEvery > 0 && this.lastSampleTick !== tick - 1 && tick > 0) {
      const sample = sampleOf(tick - 1, stats);
      this.samples.push(sample);
      this.onSample?.(sample);
    }
    this.final = this.resultWith(stats);
  }

  private draw(table: number, fixed: number): number {
    return table === NO_TABLE ? fixed
      : this.compiled.tables[table * TABLE_ENTRIES + (this.rng.next() >>> TABLE_INDEX_SHIFT)]!;
  }

  /** One tick of the current phase: docs/SCENARIOS.md, steps 1 to 5. */
  private runTick(phase: PhaseParams): void {
    const { engine, onOp, pending, wheelMask, rng } = this;
    const { resizeSteps, gcTicks } = this.compiled;
    const t = this.phaseTick;
    const tick = this.tick;

    // Step 1: procresize steps due at this phase tick, in listed order.
    while (this.resizePos < phase.resizeCount
      && resizeSteps[2 * (phase.resizeStart + this.resizePos)] === t) {
      const n = resizeSteps[2 * (phase.resizeStart + this.resizePos) + 1]!;
      onOp?.({ op: "procresize", n });
      engine.procresize(n);
      this.operations++;
      this.procs = n;
      if (this.roundRobinNext >= n) this.roundRobinNext = 0;
      this.resizePos++;
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
        this.operations++;
      }
      onOp?.({ op: "goexit", g: goid });
      engine.goexit(goid);
      this.operations++;
      this.exits++;
      this.exitsSinceGc++;
      pending.release(slot);
      slot = following;
    }

    // Step 3: finish a GC whose mark ends now, else maybe start one.
    const procs = this.procs;
    let fire = false;
    if (phase.gcKind === GcKind.everyExits) fire = this.exitsSinceGc >= phase.gcEvery;
    else if (phase.gcKind === GcKind.everyTicks) fire = t > 0 && t % phase.gcEvery === 0;
    else if (phase.gcKind === GcKind.atTicks && this.gcListPos < phase.gcListCount
      && gcTicks[phase.gcListStart + this.gcListPos] === t) {
      fire = true;
      this.gcListPos++;
    }
    if (this.markEndTick === tick) {
      const p = this.markP % procs;
      onOp?.({ op: "gcFinish", p });
      engine.gcFinish(p);
      this.operations++;
      this.markEndTick = NIL;
    } else if (fire && this.markEndTick === NIL) {
      const p = phase.gcP % procs;
      this.exitsSinceGc = 0;
      if (phase.gcMarkTicks === 0) {
        onOp?.({ op: "gc", p });
        engine.gc(p);
      } else {
        onOp?.({ op: "gcStart", p });
        engine.gcStart(p);
        this.markEndTick = tick + phase.gcMarkTicks;
        this.markP = p;
      }
      this.operations++;
    }

    // Step 4: arrivals.
    if (t % phase.everyTicks === 0) {
      let count = phase.arrivalsWhole;
      this.rateCarry += phase.arrivalsFraction;
      if (this.rateCarry >= RATE_ONE) {
        this.rateCarry -= RATE_ONE;
        count++;
      }
      for (let i = 0; i < count; i++) {
        const lifetime = this.draw(phase.lifetimeTable, phase.lifetimeFixed);
        const peakBytes = this.draw(phase.peakTable, phase.peakFixed);
        const blockedBytes = this.draw(phase.blockedTable, phase.blockedFixed);
        let p: number;
        if (phase.placementKind === Placement.roundRobin) {
          p = this.roundRobinNext;
          this.roundRobinNext++;
          if (this.roundRobinNext >= procs) this.roundRobinNext = 0;
        } else if (phase.placementKind === Placement.random) {
          p = rng.next() % procs;
        } else {
          p = phase.placementP % procs;
        }
        const raw = phase.noPMode === NoPMode.always
          || (phase.noPMode === NoPMode.draw && rng.next() < phase.noPThreshold);

        onOp?.({ op: "newproc", p });
        const g = engine.newproc(p);
        onOp?.({ op: "use", g, bytes: peakBytes });
        engine.use(g, peakBytes);
        onOp?.({ op: "use", g, bytes: blockedBytes });
        engine.use(g, blockedBytes);
        this.operations += 3;
        let rawLo = 0;
        if (raw) {
          onOp?.({ op: "stackalloc", bytes: phase.noPBytes, p: "noP" });
          const stack: Stack = engine.stackalloc(phase.noPBytes, "noP");
          rawLo = stack.lo;
          this.operations++;
        }
        pending.add((tick + lifetime) & wheelMask, g, rawLo, raw ? phase.noPBytes : 0);
        this.lifecycles++;
      }
    }

    // Step 5: observe (no operations).
    const stats = engine.stats();
    this.stackInuseSum += stats.stackInuse;
    if (this.peak === undefined || stats.stackInuse > this.peak.stackInuse) {
      this.peak = sampleOf(tick, stats);
    }
    const sampleEvery = this.sampleEvery;
    if (sampleEvery > 0 && (tick + 1) % sampleEvery === 0) {
      const sample = sampleOf(tick, stats);
      this.samples.push(sample);
      this.onSample?.(sample);
      this.lastSampleTick = tick;
    }
    this.tick = tick + 1;
    this.phaseTick = t + 1;
    this.onTick?.(tick + 1, this.compiled.totalTicks);
  }
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
  const run = new ScenarioRun(engine, compiled, options);
  run.advance(Infinity);
  return run.result();
}
