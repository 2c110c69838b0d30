// Types of the workload layer: scenario files as parsed, the compiled form
// the driver runs (flat integer arrays, ready to copy into wasm memory), the
// operations the driver and the trace formats share, and run results.
// The scenario format is described in docs/SCENARIOS.md.

import type { Bytes, EngineOptions, PRef, Stats } from "../types.js";

/** A value drawn per goroutine: fixed, or from a named distribution. */
export type Distribution =
  | { kind: "fixed"; value: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "exponential"; mean: number }
  | { kind: "logNormal"; median: number; sigma: number }
  | { kind: "histogram"; buckets: HistogramBucket[] };

/** One histogram bucket: a single value or an inclusive integer range. */
export type HistogramBucket =
  | { value: number; weight: number }
  | { min: number; max: number; weight: number };

/** How many goroutines start in a tick. */
export interface Arrivals {
  /** A whole count per arrival tick (exclusive with ratePerTick). */
  perTick?: number;
  /** A mean rate per arrival tick; the fraction is carried between ticks. */
  ratePerTick?: number;
  /** Arrivals happen only on phase ticks divisible by this. Default 1. */
  everyTicks: number;
}

/** Which P a new goroutine starts on. */
export type Placement =
  | { kind: "roundRobin" }
  | { kind: "random" }
  | { kind: "oneP"; p: number };

/** When the driver runs a GC cycle. */
export type GcTrigger =
  | { kind: "none" }
  | { kind: "everyExits"; exits: number; markTicks: number; p: number }
  | { kind: "everyTicks"; ticks: number; markTicks: number; p: number }
  | { kind: "atTicks"; ticks: number[]; markTicks: number; p: number };

/** Raw stackalloc/stackfree pairs on "noP" that some arrivals make. */
export interface NoPShare {
  /** Probability in [0, 1] that an arrival makes one. */
  probability: number;
  /** Size of the raw stack: a power of two. */
  sizeBytes: Bytes;
}

/** One GOMAXPROCS change inside a phase. */
export interface ProcresizeStep {
  /** Phase-relative tick, from 0. */
  atTick: number;
  procs: number;
}

/** One phase of a scenario, with inherited fields filled in. */
export interface Phase {
  name: string;
  durationTicks: number;
  arrivals: Arrivals;
  lifetimeTicks: Distribution;
  peakStackBytes: Distribution;
  blockedStackBytes: Distribution;
  placement: Placement;
  noPShare: NoPShare | null;
  gc: GcTrigger;
  procresize: ProcresizeStep[];
}

/** Engine options a scenario may set (the caller picks engine and checks). */
export type ScenarioEngineOptions =
  Omit<EngineOptions, "engine" | "checkInvariants" | "wasmBuild">;

/** A validated scenario file. */
export interface Scenario {
  name: string;
  description: string;
  /** Engine options without `engine` (the caller picks the engine). */
  engine: ScenarioEngineOptions;
  /** RNG seed, a u32. */
  seed: number;
  /** After the last phase, keep ticking until every goroutine exited. */
  drain: boolean;
  phases: Phase[];
}

/**
 * A scenario compiled to integers: what the driver reads, in TypeScript and
 * in the AssemblyScript core alike. Layouts are in docs/SCENARIOS.md.
 */
export interface CompiledScenario {
  /** Layout version of the arrays below. */
  formatVersion: 1;
  name: string;
  /** Engine options to create the engine with (host side only). */
  engineOptions: ScenarioEngineOptions;
  seed: number;
  /** Timing-wheel bucket count: a power of two above every lifetime. */
  wheelSize: number;
  /** Sum of phase durations. */
  totalTicks: number;
  /** Expected number of goroutines started (exact for whole rates). */
  expectedLifecycles: number;
  phaseCount: number;
  /** PHASE_WORDS u32 words per phase (see PhaseWord). */
  phases: Uint32Array;
  /** Quantile tables, TABLE_ENTRIES i32 values each. */
  tables: Int32Array;
  /** GC tick lists (phase-relative), referenced by phases. */
  gcTicks: Uint32Array;
  /** Procresize steps as (atTick, procs) pairs, referenced by phases. */
  resizeSteps: Uint32Array;
}

/** One engine operation, as the driver issues it and traces store it. */
export type Op =
  | { op: "newproc"; p: number }
  | { op: "use"; g: number; bytes: Bytes }
  | { op: "goexit"; g: number }
  | { op: "gc"; p?: number }
  | { op: "gcStart"; p?: number }
  | { op: "gcFinish"; p?: number }
  | { op: "procresize"; n: number }
  | { op: "readMemStats" }
  | { op: "stackalloc"; bytes: Bytes; p: PRef }
  | { op: "stackfree"; lo: number; bytes: Bytes; p: PRef };

/** The names of every operation. */
export type OpName = Op["op"];

/** Stats at the end of a tick. */
export interface Sample extends Stats {
  /** Global tick the sample was taken after (0-based). */
  tick: number;
}

/** Options of runScenario. */
export interface RunOptions {
  /** Take a sample after every this many ticks (and after the last). */
  sampleEvery?: number;
  /** Receives each sample as it is taken. */
  onSample?: (sample: Sample) => void;
  /** Receives each operation before it is issued (for trace recording). */
  onOp?: (op: Op) => void;
  /** Receives progress after each tick: ticks done and the total. */
  onTick?: (ticksDone: number, totalTicks: number) => void;
}

/** What runScenario returns. */
export interface RunResult {
  /** Stats after the last tick. */
  stats: Stats;
  /** Stats at the tick end where stackInuse was highest (first such). */
  peak: Sample;
  /** Mean of stackInuse over all tick ends. */
  meanStackInuse: Bytes;
  /** Goroutines started (newproc calls). */
  lifecycles: number;
  /** Goroutines that exited. */
  exits: number;
  /** Engine operations issued. */
  operations: number;
  /** Ticks simulated. */
  ticks: number;
  samples: Sample[];
}
