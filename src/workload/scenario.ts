// Scenario files: JSON parsing and hand validation. Every rejection is an
// InputError naming the file, the JSON path of the field (for example
// `phases[1].lifetimeTicks.mean`) and what was expected. The JSON Schema in
// schema/scenario.schema.json describes the same format for editors; this
// file is the authority. Compiling to integers lives in compile.ts.

import { InputError, UsageError } from "../errors.js";
import { MAX_PROCS, PLATFORMS, GO_VERSIONS, resolveConfig } from "../profiles.js";
import type { EngineOptions, Policy } from "../types.js";
import type {
  Arrivals, Distribution, GcTrigger, HistogramBucket, NoPShare, Phase,
  Placement, ProcresizeStep, Scenario,
} from "./types.js";

/** Largest phase duration and tick interval, in ticks. */
export const MAX_TICKS = 1_000_000_000;
/** Largest lifetime in ticks: the timing wheel has at most 2^20 buckets. */
export const MAX_LIFETIME_TICKS = (1 << 20) - 1;
/** Largest arrival count or rate per tick. */
export const MAX_ARRIVALS_PER_TICK = 10_000_000;
/** Largest stack use a distribution may produce (the 64-bit max stack). */
export const MAX_STACK_USE_BYTES = 1_000_000_000;
/** Largest raw noP stack: the biggest power of two under the max stack. */
export const MAX_RAW_STACK_BYTES = 1 << 29;
/** Most buckets a histogram may have (one per quantile-table entry). */
export const MAX_HISTOGRAM_BUCKETS = 4096;
/** Largest logNormal sigma accepted. */
export const MAX_LOGNORMAL_SIGMA = 10;
/** Largest GC mark duration in ticks. */
export const MAX_MARK_TICKS = MAX_LIFETIME_TICKS;
/** Largest total of expected goroutine starts in one scenario. */
export const MAX_TOTAL_LIFECYCLES = 1e12;

type Json = unknown;

/** Path-aware checker: remembers the file and throws InputError. */
class Checker {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new InputError(this.file, { field: path || "(top level)" }, message);
  }

  object(value: Json, path: string, allowed: readonly string[]): Record<string, Json> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, `expected an object, got ${describe(value)}`);
    }
    const record = value as Record<string, Json>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        this.fail(join(path, key), `unknown field (expected one of ${allowed.join(", ")})`);
      }
    }
    return record;
  }

  integer(value: Json, path: string, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(path, `expected an integer in [${min}, ${max}], got ${describe(value)}`);
    }
    if (!Number.isInteger(value)) {
      this.fail(path, `expected a whole number, got ${value}`);
    }
    if (value < min || value > max) {
      this.fail(path, `expected an integer in [${min}, ${max}], got ${value}`);
    }
    return value;
  }

  number(value: Json, path: string, min: number, max: number, minExclusive = false): number {
    const range = `${minExclusive ? "(" : "["}${min}, ${max}]`;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(path, `expected a finite number in ${range}, got ${describe(value)}`);
    }
    if (value < min || value > max || (minExclusive && value === min)) {
      this.fail(path, `expected a number in ${range}, got ${value}`);
    }
    return value;
  }

  string(value: Json, path: string): string {
    if (typeof value !== "string") this.fail(path, `expected a string, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(value: Json, path: string, choices: readonly T[]): T {
    if (typeof value !== "string" || !choices.includes(value as T)) {
      const list = choices.map((c) => JSON.stringify(c)).join(", ");
      this.fail(path, `expected one of ${list}, got ${describe(value)}`);
    }
    return value as T;
  }

  array(value: Json, path: string, minLength: number, maxLength: number): Json[] {
    if (!Array.isArray(value)) this.fail(path, `expected an array, got ${describe(value)}`);
    if (value.length < minLength) {
      const noun = minLength === 1 ? "element" : "elements";
      this.fail(path, `expected at least ${minLength} ${noun}, got ${value.length}`);
    }
    if (value.length > maxLength) {
      this.fail(path, `expected at most ${maxLength} elements, got ${value.length}`);
    }
    return value;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function describe(value: Json): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/** True for a positive power of two that is an integer. */
function isPow2(x: number): boolean {
  return Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

const DIST_FIELDS: Record<Distribution["kind"], readonly string[]> = {
  fixed: ["kind", "value"],
  uniform: ["kind", "min", "max"],
  exponential: ["kind", "mean"],
  logNormal: ["kind", "median", "sigma"],
  histogram: ["kind", "buckets"],
};
const DIST_KINDS = Object.keys(DIST_FIELDS) as Distribution["kind"][];

function parseDistribution(c: Checker, value: Json, path: string,
  min: number, max: number): Distribution {
  if (typeof value === "number") {
    return { kind: "fixed", value: c.integer(value, path, min, max) };
  }
  const loose = c.object(value, path, ["kind", "value", "min", "max", "mean", "median", "sigma",
    "buckets"]);
  const kind = c.oneOf(loose.kind, join(path, "kind"), DIST_KINDS);
  const o = c.object(value, path, DIST_FIELDS[kind]);
  const at = (key: string): string => join(path, key);
  switch (kind) {
    case "fixed":
      return { kind, value: c.integer(o.value, at("value"), min, max) };
    case "uniform": {
      const lo = c.integer(o.min, at("min"), min, max);
      const hi = c.integer(o.max, at("max"), min, max);
      if (hi < lo) c.fail(at("max"), `expected max >= min (${lo}), got ${hi}`);
      return { kind, min: lo, max: hi };
    }
    case "exponential":
      return { kind, mean: c.number(o.mean, at("mean"), 0, max, true) };
    case "logNormal":
      return {
        kind,
        median: c.number(o.median, at("median"), 0, max, true),
        sigma: c.number(o.sigma, at("sigma"), 0, MAX_LOGNORMAL_SIGMA),
      };
    case "histogram": {
      const raw = c.array(o.buckets, at("buckets"), 1, MAX_HISTOGRAM_BUCKETS);
      let total = 0;
      const buckets = raw.map((b, i): HistogramBucket => {
        const bp = `${at("buckets")}[${i}]`;
        const bo = c.object(b, bp, ["value", "min", "max", "weight"]);
        const weight = c.number(bo.weight, join(bp, "weight"), 0, 1e15);
        total += weight;
        if (bo.value !== undefined) {
          if (bo.min !== undefined || bo.max !== undefined) {
            c.fail(bp, "expected either value or min and max, not both");
          }
          return { value: c.integer(bo.value, join(bp, "value"), min, max), weight };
        }
        const lo = c.integer(bo.min, join(bp, "min"), min, max);
        const hi = c.integer(bo.max, join(bp, "max"), min, max);
        if (hi < lo) c.fail(join(bp, "max"), `expected max >= min (${lo}), got ${hi}`);
        return { min: lo, max: hi, weight };
      });
      if (!(total > 0)) c.fail(at("buckets"),
        "expected at least one bucket with a weight above 0");
      return { kind, buckets };
    }
  }
}

function parseArrivals(c: Checker, value: Json, path: string): Arrivals {
  const o = c.object(value, path, ["perTick", "ratePerTick", "everyTicks"]);
  const everyTicks = o.everyTicks === undefined ? 1
    : c.integer(o.everyTicks, join(path, "everyTicks"), 1, MAX_TICKS);
  if ((o.perTick === undefined) === (o.ratePerTick === undefined)) {
    c.fail(path, "expected exactly one of perTick or ratePerTick");
  }
  if (o.perTick !== undefined) {
    return { perTick: c.integer(o.perTick, join(path, "perTick"), 0, MAX_ARRIVALS_PER_TICK),
      everyTicks };
  }
  return {
    ratePerTick: c.number(o.ratePerTick, join(path, "ratePerTick"), 0, MAX_ARRIVALS_PER_TICK),
    everyTicks,
  };
}

function parsePlacement(c: Checker, value: Json, path: string): Placement {
  if (typeof value === "string") {
    const kind = c.oneOf(value, path, ["roundRobin", "random"] as const);
    return { kind };
  }
  const loose = c.object(value, path, ["kind", "p"]);
  const kind = c.oneOf(loose.kind, join(path, "kind"), ["roundRobin", "random", "oneP"] as const);
  if (kind !== "oneP") {
    c.object(value, path, ["kind"]);
    return { kind };
  }
  return { kind, p: c.integer(loose.p, join(path, "p"), 0, MAX_PROCS - 1) };
}

function parseNoPShare(c: Checker, value: Json, path: string): NoPShare | null {
  if (value === null) return null;
  const o = c.object(value, path, ["probability", "bytes"]);
  const probability = c.number(o.probability, join(path, "probability"), 0, 1);
  const sizeBytes = c.integer(o.bytes, join(path, "bytes"), 1, MAX_RAW_STACK_BYTES);
  if (!isPow2(sizeBytes)) c.fail(join(path, "bytes"), `expected a power of two, got ${sizeBytes}`);
  return { probability, sizeBytes };
}

function parseGc(c: Checker, value: Json, path: string, durationTicks: number): GcTrigger {
  if (value === "none" || value === null) return { kind: "none" };
  const o = c.object(value, path, ["everyExits", "everyTicks", "atTicks", "markTicks", "p"]);
  const given = ["everyExits", "everyTicks", "atTicks"].filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    c.fail(path, `expected exactly one of everyExits, everyTicks, atTicks, got ${given.length}`);
  }
  const markTicks = o.markTicks === undefined ? 0
    : c.integer(o.markTicks, join(path, "markTicks"), 0, MAX_MARK_TICKS);
  const p = o.p === undefined ? 0 : c.integer(o.p, join(path, "p"), 0, MAX_PROCS - 1);
  if (o.everyExits !== undefined) {
    return { kind: "everyExits", exits: c.integer(o.everyExits, join(path, "everyExits"), 1,
      MAX_TICKS), markTicks, p };
  }
  if (o.everyTicks !== undefined) {
    return { kind: "everyTicks", ticks: c.integer(o.everyTicks, join(path, "everyTicks"), 1,
      MAX_TICKS), markTicks, p };
  }
  const list = c.array(o.atTicks, join(path, "atTicks"), 1, 1_000_000);
  const ticks = list.map((t, i) =>
    c.integer(t, `${join(path, "atTicks")}[${i}]`, 0, durationTicks - 1));
  for (let i = 1; i < ticks.length; i++) {
    if (ticks[i]! <= ticks[i - 1]!) {
      c.fail(`${join(path, "atTicks")}[${i}]`,
        `expected strictly increasing ticks, got ${ticks[i]} after ${ticks[i - 1]}`);
    }
  }
  return { kind: "atTicks", ticks, markTicks, p };
}

function parseProcresize(c: Checker, value: Json, path: string,
  durationTicks: number): ProcresizeStep[] {
  const list = c.array(value, path, 0, 100_000);
  const steps = list.map((s, i) => {
    const sp = `${path}[${i}]`;
    const o = c.object(s, sp, ["atTick", "procs"]);
    return {
      atTick: c.integer(o.atTick, join(sp, "atTick"), 0, durationTicks - 1),
      procs: c.integer(o.procs, join(sp, "procs"), 1, MAX_PROCS),
    };
  });
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]!.atTick < steps[i - 1]!.atTick) {
      c.fail(`${path}[${i}].atTick`, "expected ticks in increasing order, "
        + `got ${steps[i]!.atTick} after ${steps[i - 1]!.atTick}`);
    }
  }
  return steps;
}

const PHASE_FIELDS = [
  "name", "description", "durationTicks", "arrivals", "lifetimeTicks", "peakStackBytes",
  "blockedStackBytes", "placement", "noPShare", "gc", "procresize",
] as const;
const INHERITED = ["arrivals", "lifetimeTicks", "peakStackBytes", "blockedStackBytes"] as const;

function parsePhase(c: Checker, value: Json, index: number, previous: Phase | undefined): Phase {
  const path = `phases[${index}]`;
  const o = c.object(value, path, PHASE_FIELDS);
  const at = (key: string): string => join(path, key);
  if (previous === undefined) {
    for (const key of INHERITED) {
      if (o[key] === undefined) c.fail(at(key),
        "required in the first phase (later phases inherit it)");
    }
  }
  const name = o.name === undefined ? `phase ${index}` : c.string(o.name, at("name"));
  if (o.description !== undefined) c.string(o.description, at("description"));
  const durationTicks = c.integer(o.durationTicks, at("durationTicks"), 1, MAX_TICKS);
  const dist = (key: "lifetimeTicks" | "peakStackBytes" | "blockedStackBytes",
    min: number, max: number): Distribution =>
    o[key] === undefined ? previous![key] : parseDistribution(c, o[key], at(key), min, max);
  return {
    name,
    durationTicks,
    arrivals: o.arrivals === undefined ? previous!.arrivals : parseArrivals(c, o.arrivals,
      at("arrivals")),
    lifetimeTicks: dist("lifetimeTicks", 1, MAX_LIFETIME_TICKS),
    peakStackBytes: dist("peakStackBytes", 0, MAX_STACK_USE_BYTES),
    blockedStackBytes: dist("blockedStackBytes", 0, MAX_STACK_USE_BYTES),
    placement: o.placement === undefined ? (previous?.placement ?? { kind: "roundRobin" })
      : parsePlacement(c, o.placement, at("placement")),
    noPShare: o.noPShare === undefined ? (previous?.noPShare ?? null)
      : parseNoPShare(c, o.noPShare, at("noPShare")),
    gc: o.gc === undefined ? inheritGc(previous) : parseGc(c, o.gc, at("gc"), durationTicks),
    procresize: o.procresize === undefined ? []
      : parseProcresize(c, o.procresize, at("procresize"), durationTicks),
  };
}

/** A tick list only makes sense in its own phase, so it is not inherited. */
function inheritGc(previous: Phase | undefined): GcTrigger {
  const gc = previous?.gc ?? { kind: "none" };
  return gc.kind === "atTicks" ? { kind: "none" } : gc;
}

const POLICY_FIELDS: readonly (keyof Policy)[] = [
  "stackCacheBytes", "numStackOrders", "gfreeSpillAt", "gfreeKeep", "keepGrownStackBytes",
];

function parseEngine(c: Checker, value: Json): Scenario["engine"] {
  if (value === undefined) return {};
  const o = c.object(value, "engine",
    ["platform", "goVersion", "adaptiveStackStart", "procs", "policy", "heapLimitBytes"]);
  const out: Scenario["engine"] = {};
  if (o.platform !== undefined) out.platform = c.oneOf(o.platform, "engine.platform", PLATFORMS);
  if (o.goVersion !== undefined) out.goVersion = c.oneOf(o.goVersion, "engine.goVersion",
    GO_VERSIONS);
  if (o.adaptiveStackStart !== undefined) {
    if (typeof o.adaptiveStackStart !== "boolean") {
      c.fail("engine.adaptiveStackStart",
        `expected true or false, got ${describe(o.adaptiveStackStart)}`);
    }
    out.adaptiveStackStart = o.adaptiveStackStart;
  }
  if (o.procs !== undefined) out.procs = c.integer(o.procs, "engine.procs", 1, MAX_PROCS);
  if (o.heapLimitBytes !== undefined) {
    out.heapLimitBytes = c.integer(o.heapLimitBytes, "engine.heapLimitBytes", 1,
      Number.MAX_SAFE_INTEGER);
  }
  if (o.policy !== undefined) {
    const po = c.object(o.policy, "engine.policy", POLICY_FIELDS);
    const policy: Partial<Policy> = {};
    for (const key of POLICY_FIELDS) {
      if (po[key] === undefined) continue;
      const min = key === "keepGrownStackBytes" ? 0 : 1;
      policy[key] = c.integer(po[key], `engine.policy.${key}`, min, 1 << 30);
    }
    if (policy.stackCacheBytes !== undefined && !isPow2(policy.stackCacheBytes)) {
      c.fail("engine.policy.stackCacheBytes",
        `expected a power of two, got ${policy.stackCacheBytes}`);
    }
    out.policy = policy;
  }
  // The engine's own rules (cache size against the platform, go1.18 without
  // adaptive start...) are checked once here, so a run never starts invalid.
  try {
    resolveConfig(out as EngineOptions);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const detail = error.message.replace(/^createEngine: /, "");
    const field = /^([\w.]+):/.exec(detail)?.[1];
    c.fail(field === undefined ? "engine" : `engine.${field}`,
      field === undefined ? detail : detail.slice(field.length + 1).trim());
  }
  return out;
}

/**
 * Validates a parsed JSON value as a scenario.
 * @param value what JSON.parse returned.
 * @param file the name used in error messages.
 * @returns the scenario with every phase's inherited fields filled in.
 * @throws InputError naming the file, the field's JSON path and the rule.
 */
export function validateScenario(value: unknown, file: string): Scenario {
  const c = new Checker(file);
  const o = c.object(value, "",
    ["$schema", "name", "description", "seed", "engine", "drain", "phases"]);
  const name = o.name === undefined ? "scenario" : c.string(o.name, "name");
  const description = o.description === undefined ? "" : c.string(o.description, "description");
  const seed = o.seed === undefined ? 1 : c.integer(o.seed, "seed", 0, 0xffff_ffff);
  if (o.drain !== undefined && typeof o.drain !== "boolean") {
    c.fail("drain", `expected true or false, got ${describe(o.drain)}`);
  }
  const engine = parseEngine(c, o.engine);
  const list = c.array(o.phases, "phases", 1, 10_000);
  const phases: Phase[] = [];
  for (let i = 0; i < list.length; i++) phases.push(parsePhase(c, list[i], i, phases[i - 1]));
  let lifecycles = 0;
  for (const [i, phase] of phases.entries()) {
    const rate = phase.arrivals.perTick ?? phase.arrivals.ratePerTick ?? 0;
    lifecycles += Math.ceil(phase.durationTicks / phase.arrivals.everyTicks) * rate;
    if (lifecycles > MAX_TOTAL_LIFECYCLES) {
      c.fail(`phases[${i}].arrivals`,
        `the scenario would start more than ${MAX_TOTAL_LIFECYCLES} goroutines`);
    }
  }
  return { name, description, engine, seed, drain: o.drain === true, phases };
}

/**
 * Parses scenario text (JSON).
 * @throws InputError with the line of a JSON syntax error, or a field path.
 */
export function parseScenario(text: string, file: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position === null ? undefined
      : text.slice(0, Number(position[1])).split("\n").length;
    throw new InputError(file, line === undefined ? {} : { line },
      `not valid JSON: ${message}`);
  }
  return validateScenario(value, file);
}
