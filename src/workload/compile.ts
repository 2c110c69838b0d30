// Compiles a validated scenario to integers: one fixed-size u32 record per
// phase, 4096-entry quantile tables for every non-fixed distribution, and
// side arrays for GC tick lists and procresize steps. All floating point
// (rates, logarithms, the normal quantile) happens here, once, on the host;
// the driver then runs on integers only. Layouts: docs/SCENARIOS.md.

import { InputError } from "../errors.js";
import { resolveConfig } from "../profiles.js";
import type { EngineOptions } from "../types.js";
import type { CompiledScenario, Distribution, Phase, Scenario } from "./types.js";

/** Entries in one quantile table; the driver indexes it with rng() >>> 20. */
export const TABLE_ENTRIES = 4096;
/** Right shift that maps a u32 draw to a table index. */
export const TABLE_INDEX_SHIFT = 20;
/** "No table": the distribution is fixed. */
export const NO_TABLE = 0xffff_ffff;
/** Fixed-point scale of fractional arrival rates (16 fraction bits). */
export const RATE_ONE = 65536;

/** Word offsets inside one phase record of CompiledScenario.phases. */
export const PhaseWord = {
  durationTicks: 0,
  arrivalsWhole: 1,
  arrivalsFraction: 2,
  arrivalsEveryTicks: 3,
  lifetimeTable: 4,
  lifetimeFixed: 5,
  peakTable: 6,
  peakFixed: 7,
  blockedTable: 8,
  blockedFixed: 9,
  placementKind: 10,
  placementP: 11,
  noPMode: 12,
  noPThreshold: 13,
  noPBytes: 14,
  gcKind: 15,
  gcEvery: 16,
  gcListStart: 17,
  gcListCount: 18,
  gcMarkTicks: 19,
  gcP: 20,
  resizeStart: 21,
  resizeCount: 22,
  stopWhenEmpty: 23,
} as const;
/** u32 words per phase record. */
export const PHASE_WORDS = 24;

/** placementKind values. */
export const Placement = { roundRobin: 0, random: 1, oneP: 2 } as const;
/** noPMode values. */
export const NoPMode = { never: 0, always: 1, draw: 2 } as const;
/** gcKind values. */
export const GcKind = { none: 0, everyExits: 1, everyTicks: 2, atTicks: 3 } as const;

/** Options of compileScenario. */
export interface CompileOptions {
  /** Cut the scenario after this many ticks in total (drain excluded). */
  maxTicks?: number;
  /** File name for error messages. */
  file?: string;
}

/**
 * Inverse of the standard normal CDF, by Acklam's rational approximation
 * (relative error below 1.2e-9), good enough for a 4096-entry table.
 */
function normalQuantile(q: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687,
    138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866,
    66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838,
    -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996,
    3.754408661907416];
  const low = 0.02425;
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return poly(c, r) / (poly(d, r) * r + 1);
  }
  if (q > 1 - low) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, r) / (poly(d, r) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return (poly(a, s) * r) / (poly(b, s) * s + 1);
}

/** The value of a distribution at quantile q, before rounding. */
function quantile(dist: Distribution, q: number, histogramTotal: number): number {
  switch (dist.kind) {
    case "fixed":
      return dist.value;
    case "uniform":
      return dist.min + Math.floor(q * (dist.max - dist.min + 1));
    case "exponential":
      return -dist.mean * Math.log(1 - q);
    case "logNormal":
      return dist.median * Math.exp(dist.sigma * normalQuantile(q));
    case "histogram": {
      const target = q * histogramTotal;
      let before = 0;
      let last = dist.buckets[0]!;
      for (const bucket of dist.buckets) {
        last = bucket;
        if (bucket.weight > 0 && before + bucket.weight > target) {
          if ("value" in bucket) return bucket.value;
          const within = (target - before) / bucket.weight;
          return bucket.min + Math.floor(within * (bucket.max - bucket.min + 1));
        }
        before += bucket.weight;
      }
      return "value" in last ? last.value : last.max;
    }
  }
}

/**
 * The quantile table of a distribution: entry i is its value at quantile
 * (i + 0.5) / 4096, rounded to the nearest integer and clamped to
 * [min, max].
 */
export function quantileTable(dist: Distribution, min: number, max: number): Int32Array {
  const table = new Int32Array(TABLE_ENTRIES);
  const total = dist.kind === "histogram"
    ? dist.buckets.reduce((sum, b) => sum + b.weight, 0) : 0;
  for (let i = 0; i < TABLE_ENTRIES; i++) {
    const value = Math.round(quantile(dist, (i + 0.5) / TABLE_ENTRIES, total));
    table[i] = Math.min(max, Math.max(min, value));
  }
  return table;
}

/** The largest value a distribution's table can hold. */
function distributionMax(dist: Distribution, min: number, max: number): number {
  if (dist.kind === "fixed") return dist.value;
  return quantileTable(dist, min, max).reduce((m, v) => Math.max(m, v), 0);
}

/**
 * Compiles a scenario for runScenario (and for the wasm core's driver).
 * @throws InputError when a field is valid alone but not for the engine
 * configuration (a noP stack below FixedStack, for example).
 */
export function compileScenario(scenario: Scenario,
  options: CompileOptions = {}): CompiledScenario {
  const file = options.file ?? scenario.name;
  const config = resolveConfig(scenario.engine as EngineOptions);
  let phases = scenario.phases;
  if (options.maxTicks !== undefined) phases = cutPhases(phases, options.maxTicks);

  const tables: Int32Array[] = [];
  const gcTicks: number[] = [];
  const resizeSteps: number[] = [];
  const tableFor = (dist: Distribution, min: number, max: number): [number, number] => {
    if (dist.kind === "fixed") return [NO_TABLE, dist.value];
    tables.push(quantileTable(dist, min, max));
    return [tables.length - 1, 0];
  };

  let maxLifetime = 1;
  for (const phase of phases) {
    maxLifetime = Math.max(maxLifetime, distributionMax(phase.lifetimeTicks, 1, 1 << 20));
  }
  let wheelSize = 1;
  while (wheelSize <= maxLifetime) wheelSize *= 2;

  const records: number[][] = [];
  let expectedLifecycles = 0;
  for (const [index, phase] of phases.entries()) {
    const w = new Array<number>(PHASE_WORDS).fill(0);
    w[PhaseWord.durationTicks] = phase.durationTicks;
    const rate = phase.arrivals.perTick ?? phase.arrivals.ratePerTick ?? 0;
    const whole = Math.floor(rate);
    w[PhaseWord.arrivalsWhole] = whole;
    w[PhaseWord.arrivalsFraction] = Math.round((rate - whole) * RATE_ONE);
    if (w[PhaseWord.arrivalsFraction] === RATE_ONE) {
      w[PhaseWord.arrivalsWhole] = whole + 1;
      w[PhaseWord.arrivalsFraction] = 0;
    }
    w[PhaseWord.arrivalsEveryTicks] = phase.arrivals.everyTicks;
    expectedLifecycles += Math.ceil(phase.durationTicks / phase.arrivals.everyTicks) * rate;

    [w[PhaseWord.lifetimeTable], w[PhaseWord.lifetimeFixed]] =
      tableFor(phase.lifetimeTicks, 1, wheelSize - 1);
    [w[PhaseWord.peakTable], w[PhaseWord.peakFixed]] =
      tableFor(phase.peakStackBytes, 0, 1_000_000_000);
    [w[PhaseWord.blockedTable], w[PhaseWord.blockedFixed]] =
      tableFor(phase.blockedStackBytes, 0, 1_000_000_000);

    w[PhaseWord.placementKind] = Placement[phase.placement.kind];
    w[PhaseWord.placementP] = phase.placement.kind === "oneP" ? phase.placement.p : 0;

    compileNoP(phase, w, config.platform.fixedStackBytes, file, index);
    compileGc(phase, w, gcTicks);
    w[PhaseWord.resizeStart] = resizeSteps.length / 2;
    w[PhaseWord.resizeCount] = phase.procresize.length;
    for (const step of phase.procresize) resizeSteps.push(step.atTick, step.procs);
    records.push(w);
  }

  if (scenario.drain && records.length > 0) {
    // The drain phase: no arrivals, the last phase's GC trigger (tick lists
    // excepted), long enough for any lifetime, ending once nothing is pending.
    const last = records[records.length - 1]!;
    const w = new Array<number>(PHASE_WORDS).fill(0);
    w[PhaseWord.durationTicks] = wheelSize;
    w[PhaseWord.arrivalsEveryTicks] = 1;
    w[PhaseWord.lifetimeTable] = NO_TABLE;
    w[PhaseWord.lifetimeFixed] = 1;
    w[PhaseWord.peakTable] = NO_TABLE;
    w[PhaseWord.blockedTable] = NO_TABLE;
    if (last[PhaseWord.gcKind] !== GcKind.atTicks) {
      for (const k of [PhaseWord.gcKind, PhaseWord.gcEvery, PhaseWord.gcMarkTicks,
        PhaseWord.gcP]) {
        w[k] = last[k]!;
      }
    }
    w[PhaseWord.stopWhenEmpty] = 1;
    records.push(w);
  }

  const flatTables = new Int32Array(tables.length * TABLE_ENTRIES);
  tables.forEach((t, i) => flatTables.set(t, i * TABLE_ENTRIES));
  return {
    formatVersion: 1,
    name: scenario.name,
    engineOptions: scenario.engine,
    seed: scenario.seed >>> 0,
    wheelSize,
    totalTicks: records.reduce((sum, w) => sum + w[PhaseWord.durationTicks]!, 0),
    expectedLifecycles: Math.round(expectedLifecycles),
    phaseCount: records.length,
    phases: Uint32Array.from(records.flat()),
    tables: flatTables,
    gcTicks: Uint32Array.from(gcTicks),
    resizeSteps: Uint32Array.from(resizeSteps),
  };
}

function compileNoP(phase: Phase, w: number[], fixedStackBytes: number,
  file: string, index: number): void {
  const share = phase.noPShare;
  if (share === null || share.probability === 0) {
    w[PhaseWord.noPMode] = NoPMode.never;
    return;
  }
  if (share.sizeBytes < fixedStackBytes) {
    throw new InputError(file, { field: `phases[${index}].noPShare.bytes` },
      `expected at least FixedStack (${fixedStackBytes}) on this platform, `
      + `got ${share.sizeBytes}`);
  }
  const threshold = Math.round(share.probability * 2 ** 32);
  w[PhaseWord.noPBytes] = share.sizeBytes;
  if (threshold >= 2 ** 32) {
    w[PhaseWord.noPMode] = NoPMode.always;
  } else if (threshold === 0) {
    w[PhaseWord.noPMode] = NoPMode.never;
  } else {
    w[PhaseWord.noPMode] = NoPMode.draw;
    w[PhaseWord.noPThreshold] = threshold;
  }
}

function compileGc(phase: Phase, w: number[], gcTicks: number[]): void {
  const gc = phase.gc;
  w[PhaseWord.gcKind] = GcKind[gc.kind];
  if (gc.kind === "none") return;
  w[PhaseWord.gcMarkTicks] = gc.markTicks;
  w[PhaseWord.gcP] = gc.p;
  if (gc.kind === "everyExits") w[PhaseWord.gcEvery] = gc.exits;
  if (gc.kind === "everyTicks") w[PhaseWord.gcEvery] = gc.ticks;
  if (gc.kind === "atTicks") {
    w[PhaseWord.gcListStart] = gcTicks.length;
    w[PhaseWord.gcListCount] = gc.ticks.length;
    gcTicks.push(...gc.ticks);
  }
}

/** Phases cut so that their durations add up to at most maxTicks. */
function cutPhases(phases: Phase[], maxTicks: number): Phase[] {
  const out: Phase[] = [];
  let left = maxTicks;
  for (const phase of phases) {
    if (left <= 0) break;
    const durationTicks = Math.min(phase.durationTicks, left);
    left -= durationTicks;
    out.push({
      ...phase,
      durationTicks,
      gc: phase.gc.kind === "atTicks"
        ? { ...phase.gc, ticks: phase.gc.ticks.filter((t) => t < durationTicks) } : phase.gc,
      procresize: phase.procresize.filter((s) => s.atTick < durationTicks),
    });
  }
  return out;
}
