// The native driver (the core's own copy of the scenario state machine)
// against the per-operation driver: same stats, peak, counts, every
// sample and the same final snapshot, on every built-in scenario (cut
// short) and on random small scenarios. Also: a refused operation raises
// the same error with the same state, and the engine stays usable by
// goroutine id after a native run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { StackLabError } from "../src/errors.js";
import type { Engine } from "../src/types.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { listBuiltinScenarios, loadScenario } from "../src/workload/load.js";
import { validateScenario } from "../src/workload/scenario.js";
import type { CompiledScenario, RunResult, Sample } from "../src/workload/types.js";

const BUILTIN_TICKS = 120;

interface Run { engine: Engine; result: RunResult; streamed: Sample[]; ticks: number[] }

function run(compiled: CompiledScenario, kind: "native" | "wasmPerOp" | "ts",
  sampleEvery: number, withOnTick = true): Run {
  const engine = createEngine({ ...compiled.engineOptions,
    engine: kind === "ts" ? "ts" : "wasm" });
  const streamed: Sample[] = [];
  const ticks: number[] = [];
  const result = runScenario(engine, compiled, {
    sampleEvery,
    onSample: (s) => streamed.push(s),
    ...(withOnTick ? { onTick: (done: number) => ticks.push(done) } : {}),
    ...(kind === "wasmPerOp" ? { onOp: () => undefined } : {}),
  });
  return { engine, result, streamed, ticks };
}

function expectSame(native: Run, other: Run): void {
  expect(native.result.stats).toEqual(other.result.stats);
  expect(native.result.peak).toEqual(other.result.peak);
  expect(native.result.meanStackInuse).toBe(other.result.meanStackInuse);
  expect(native.result.lifecycles).toBe(other.result.lifecycles);
  expect(native.result.exits).toBe(other.result.exits);
  expect(native.result.operations).toBe(other.result.operations);
  expect(native.result.ticks).toBe(other.result.ticks);
  expect(native.result.samples).toEqual(other.result.samples);
  expect(native.streamed).toEqual(other.streamed);
  expect(native.engine.snapshot()).toEqual(other.engine.snapshot());
}

describe("native driver: built-in scenarios", () => {
  for (const { name } of listBuiltinScenarios()) {
    it(`${name}, first ${BUILTIN_TICKS} ticks, equals the per-operation path`, () => {
      const compiled = compileScenario(loadScenario(name).scenario, { maxTicks: BUILTIN_TICKS });
      const native = run(compiled, "native", 7);
      expect(native.result.operations).toBeGreaterThan(0);
      const perOp = run(compiled, "wasmPerOp", 7);
      expectSame(native, perOp);
      expectSame(native, run(compiled, "ts", 7));
      // onTick once per tick, as on the host path; without it, big batches.
      expect(native.ticks).toEqual(perOp.ticks);
      expectSame(run(compiled, "native", 7, false), perOp);
    });
  }
});

const distribution = fc.oneof(
  fc.nat({ max: 40_000 }),
  fc.record({ kind: fc.constant("uniform"), min: fc.nat({ max: 3000 }),
    max: fc.integer({ min: 3000, max: 70_000 }) }),
  fc.record({ kind: fc.constant("exponential"), mean: fc.integer({ min: 1, max: 9000 }) }),
);
const lifetime = fc.oneof(
  fc.integer({ min: 1, max: 30 }),
  fc.record({ kind: fc.constant("uniform"), min: fc.integer({ min: 1, max: 5 }),
    max: fc.integer({ min: 5, max: 40 }) }),
  fc.record({ kind: fc.constant("exponential"), mean: fc.integer({ min: 1, max: 15 }) }),
);
const gc = fc.oneof(
  fc.constant("none"),
  fc.record({ everyExits: fc.integer({ min: 1, max: 60 }), markTicks: fc.nat({ max: 4 }),
    p: fc.nat({ max: 9 }) }),
  fc.record({ everyTicks: fc.integer({ min: 1, max: 20 }), markTicks: fc.nat({ max: 4 }) }),
  fc.record({ atTicks: fc.uniqueArray(fc.nat({ max: 39 }), { minLength: 1, maxLength: 5 })
    .map((t) => [...t].sort((a, b) => a - b)) }),
);
const phase = fc.record({
  durationTicks: fc.integer({ min: 1, max: 40 }),
  arrivals: fc.oneof(fc.record({ perTick: fc.nat({ max: 12 }) }),
    fc.record({ ratePerTick: fc.double({ min: 0, max: 9, noNaN: true }),
      everyTicks: fc.integer({ min: 1, max: 4 }) })),
  lifetimeTicks: lifetime,
  peakStackBytes: distribution,
  blockedStackBytes: distribution,
  placement: fc.oneof(fc.constant("roundRobin"), fc.constant("random"),
    fc.record({ kind: fc.constant("oneP"), p: fc.nat({ max: 6 }) })),
  noPShare: fc.record({ probability: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.constantFrom(2048, 8192, 65536) }),
  gc,
  procresize: fc.uniqueArray(fc.record({ atTick: fc.nat({ max: 39 }),
    procs: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3, selector: (s) => s.atTick })
    .map((steps) => [...steps].sort((a, b) => a.atTick - b.atTick)),
}).map((ph) => {
  // Tick lists and resize steps must fall inside the phase.
  const inside = (t: number): boolean => t < ph.durationTicks;
  const procresize = ph.procresize.filter((s) => inside(s.atTick));
  if (typeof ph.gc === "object" && "atTicks" in ph.gc) {
    const atTicks = ph.gc.atTicks.filter(inside);
    return { ...ph, procresize, gc: atTicks.length > 0 ? { atTicks } : "none" };
  }
  return { ...ph, procresize };
});
const scenario = fc.record({
  name: fc.constant("random"),
  seed: fc.nat(),
  engine: fc.record({ procs: fc.integer({ min: 1, max: 5 }),
    adaptiveStackStart: fc.boolean() }),
  drain: fc.boolean(),
  phases: fc.array(phase, { minLength: 1, maxLength: 3 }),
});

describe("native driver: random small scenarios", () => {
  it("equal the per-operation path, sample for sample", () => {
    fc.assert(fc.property(scenario, fc.nat({ max: 6 }), fc.boolean(),
      (json, sampleEvery, withOnTick) => {
        const compiled = compileScenario(validateScenario(json, "random.json"));
        const native = run(compiled, "native", sampleEvery, withOnTick);
        const perOp = run(compiled, "wasmPerOp", sampleEvery, withOnTick);
        expectSame(native, perOp);
        expect(native.ticks).toEqual(perOp.ticks);
      }), { numRuns: 150, seed: 404 });
  });
});

describe("native driver: refusals and afterwards", () => {
  it("raises the per-operation path's error and leaves the same state", () => {
    const json = {
      name: "oom", seed: 3, engine: { procs: 2, heapLimitBytes: 4 * 2 ** 20 },
      phases: [{ durationTicks: 50, arrivals: { perTick: 20 }, lifetimeTicks: 40,
        peakStackBytes: 20_000, blockedStackBytes: 20_000 }],
    };
    const compiled = compileScenario(validateScenario(json, "oom.json"));
    const failure = (kind: "native" | "wasmPerOp"): { error: StackLabError; engine: Engine } => {
      const engine = createEngine({ ...compiled.engineOptions, engine: "wasm" });
      try {
        runScenario(engine, compiled, kind === "native" ? {} : { onOp: () => undefined });
      } catch (error) {
        if (error instanceof StackLabError) return { error, engine };
        throw error;
      }
      throw new Error("expected out of simulated memory");
    };
    const native = failure("native");
    const perOp = failure("wasmPerOp");
    expect(native.error.code).toBe("outOfMemory");
    expect(native.error.message).toBe(perOp.error.message);
    expect(native.engine.snapshot()).toEqual(perOp.engine.snapshot());
    // The counters of the arrivals before the refused one count, and the
    // refused one adds nothing.
    expect(native.engine.stats()).toEqual(perOp.engine.stats());
  });

  it("keeps goroutine ids and GOMAXPROCS usable after a native run", () => {
    const compiled = compileScenario(loadScenario("rpc-churn").scenario, { maxTicks: 30 });
    const native = run(compiled, "native", 0).engine;
    const perOp = run(compiled, "wasmPerOp", 0).engine;
    for (const engine of [native, perOp]) {
      const live = engine.snapshot().gs.filter((g) => g.status === "live");
      for (const g of live.slice(0, 50)) engine.goexit(g.goid);
      const fresh = engine.newproc(engine.config.procs - 1);
      engine.use(fresh, 9000);
    }
    expect(native.snapshot()).toEqual(perOp.snapshot());
  });

  it("starts a second run on the same engine with an empty wheel", () => {
    // The first run is cut while goroutines still wait to exit; they stay
    // live in the engine, and the second run must not end them.
    // The same scenario twice, so the second run reuses the wheel's buckets.
    const first = compileScenario(loadScenario("rpc-churn").scenario, { maxTicks: 25 });
    const second = compileScenario(loadScenario("rpc-churn").scenario, { maxTicks: 40 });
    const results = (["native", "wasmPerOp"] as const).map((kind) => {
      const engine = run(first, kind, 0).engine;
      const pendingBefore = engine.snapshot().gs.filter((g) => g.status === "live").length;
      expect(pendingBefore).toBeGreaterThan(0);
      const result = runScenario(engine, second,
        kind === "wasmPerOp" ? { onOp: () => undefined } : {});
      return { result, snapshot: engine.snapshot() };
    });
    expect(results[0]!.result).toEqual(results[1]!.result);
    expect(results[0]!.snapshot).toEqual(results[1]!.snapshot);
  });
});
