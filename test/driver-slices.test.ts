// A scenario run advanced in slices (ScenarioRun, what the browser explorer
// uses so that its workers never block) is the same run as one runScenario
// call: same result, every sample, the same onTick and onSample calls and
// the same final snapshot, whatever the slice sizes, on both engines and
// on the built-in scenarios and random small ones. Also: the result part
// way through, slices of 0 ticks, and a refused operation ending the run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { StackLabError } from "../src/errors.js";
import type { Engine } from "../src/types.js";
import { compileScenario } from "../src/workload/compile.js";
import { ScenarioRun, runScenario } from "../src/workload/driver.js";
import { listBuiltinScenarios, loadScenario } from "../src/workload/load.js";
import { validateScenario } from "../src/workload/scenario.js";
import type { CompiledScenario, RunResult, Sample } from "../src/workload/types.js";

const BUILTIN_TICKS = 150;
type Kind = "ts" | "wasm";

interface Observed {
  engine: Engine;
  result: RunResult;
  streamed: Sample[];
  ticks: number[];
}

/** One runScenario call (the native driver on wasm, per operation on ts). */
function whole(compiled: CompiledScenario, kind: Kind, sampleEvery: number): Observed {
  const engine = createEngine({ ...compiled.engineOptions, engine: kind });
  const streamed: Sample[] = [];
  const ticks: number[] = [];
  const result = runScenario(engine, compiled, { sampleEvery,
    onSample: (s) => streamed.push(s), onTick: (done) => ticks.push(done) });
  return { engine, result, streamed, ticks };
}

/** The same run advanced slice by slice, slice sizes taken in turn from `sizes`. */
function sliced(compiled: CompiledScenario, kind: Kind, sampleEvery: number,
  sizes: number[]): Observed {
  const engine = createEngine({ ...compiled.engineOptions, engine: kind });
  const streamed: Sample[] = [];
  const ticks: number[] = [];
  const run = new ScenarioRun(engine, compiled, { sampleEvery,
    onSample: (s) => streamed.push(s), onTick: (done) => ticks.push(done) });
  let done = false;
  for (let i = 0; !done; i++) {
    const size = sizes[i % sizes.length]!;
    const before = run.ticks;
    done = run.advance(size);
    expect(run.finished).toBe(done);
    // A slice runs its full size unless the run ends inside it.
    if (!done) expect(run.ticks - before).toBe(size);
    else expect(run.ticks - before).toBeLessThanOrEqual(size);
  }
  // Further slices change nothing.
  const result = run.result();
  expect(run.advance(10)).toBe(true);
  expect(run.result()).toBe(result);
  return { engine, result, streamed, ticks };
}

function expectSame(a: Observed, b: Observed): void {
  expect(a.result).toEqual(b.result);
  expect(a.streamed).toEqual(b.streamed);
  expect(a.ticks).toEqual(b.ticks);
  expect(a.engine.snapshot()).toEqual(b.engine.snapshot());
}

describe("sliced runs: built-in scenarios", () => {
  for (const { name } of listBuiltinScenarios()) {
    it(`${name}, first ${BUILTIN_TICKS} ticks, in slices of 1 to 40 ticks`, () => {
      const compiled = compileScenario(loadScenario(name).scenario,
        { maxTicks: BUILTIN_TICKS });
      const one = whole(compiled, "wasm", 3);
      expect(one.result.operations).toBeGreaterThan(0);
      expectSame(sliced(compiled, "wasm", 3, [1, 7, 40, 2, 13]), one);
      expectSame(sliced(compiled, "ts", 3, [17, 1, 5]), whole(compiled, "ts", 3));
    });
  }
});

const phase = fc.record({
  durationTicks: fc.integer({ min: 1, max: 30 }),
  arrivals: fc.oneof(fc.record({ perTick: fc.nat({ max: 10 }) }),
    // Tenths, so that fractions carry from tick to tick (and across slices).
    fc.record({ ratePerTick: fc.integer({ min: 0, max: 60 }).map((tenths) => tenths / 10),
      everyTicks: fc.integer({ min: 1, max: 3 }) })),
  lifetimeTicks: fc.oneof(fc.integer({ min: 1, max: 25 }),
    fc.record({ kind: fc.constant("exponential"), mean: fc.integer({ min: 1, max: 12 }) })),
  peakStackBytes: fc.oneof(fc.nat({ max: 40_000 }),
    fc.record({ kind: fc.constant("uniform"), min: fc.nat({ max: 3000 }),
      max: fc.integer({ min: 3000, max: 60_000 }) })),
  blockedStackBytes: fc.nat({ max: 20_000 }),
  placement: fc.constantFrom("roundRobin", "random"),
  noPShare: fc.record({ probability: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.constantFrom(2048, 8192, 65536) }),
  gc: fc.oneof(fc.constant("none"),
    fc.record({ everyExits: fc.integer({ min: 1, max: 50 }), markTicks: fc.nat({ max: 4 }) }),
    fc.record({ everyTicks: fc.integer({ min: 1, max: 15 }), markTicks: fc.nat({ max: 4 }) })),
  procresize: fc.array(fc.record({ atTick: fc.constant(0),
    procs: fc.integer({ min: 1, max: 5 }) }), { maxLength: 1 }),
});
const scenario = fc.record({
  name: fc.constant("random"),
  seed: fc.nat(),
  engine: fc.record({ procs: fc.integer({ min: 1, max: 4 }),
    adaptiveStackStart: fc.boolean() }),
  drain: fc.boolean(),
  phases: fc.array(phase, { minLength: 1, maxLength: 3 }),
});

describe("sliced runs: random small scenarios", () => {
  it("equal one runScenario call for random slice sizes", () => {
    fc.assert(fc.property(scenario, fc.nat({ max: 5 }),
      fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 6 })
        .filter((sizes) => sizes.some((s) => s > 0)),
      fc.constantFrom<Kind>("ts", "wasm"),
      (json, sampleEvery, sizes, kind) => {
        const compiled = compileScenario(validateScenario(json, "random.json"));
        expectSame(sliced(compiled, kind, sampleEvery, sizes),
          whole(compiled, kind, sampleEvery));
      }), { numRuns: 120, seed: 707 });
  });
});

describe("sliced runs: part way and failures", () => {
  it("reports the result so far, without a closing sample", () => {
    const compiled = compileScenario(loadScenario("rpc-churn").scenario, { maxTicks: 40 });
    const engine = createEngine({ ...compiled.engineOptions, engine: "wasm" });
    const run = new ScenarioRun(engine, compiled, { sampleEvery: 4 });
    expect(run.advance(0)).toBe(false);
    expect(run.result().ticks).toBe(0);
    expect(run.result().operations).toBe(0);
    expect(run.advance(10)).toBe(false);
    const part = run.result();
    expect(part.ticks).toBe(10);
    expect(part.stats).toEqual(engine.stats());
    expect(part.samples.map((s) => s.tick)).toEqual([3, 7]);
    // Exactly the remaining ticks finish the run (and take the last sample).
    expect(run.advance(30)).toBe(true);
    const end = run.result();
    expect(end.ticks).toBe(40);
    expect(end.samples.map((s) => s.tick).slice(-2)).toEqual([35, 39]);
    expect(end).toEqual(whole(compiled, "wasm", 4).result);
  });

  it("throws the refused operation's error once, then refuses to go on", () => {
    const json = {
      name: "oom", seed: 3, engine: { procs: 2, heapLimitBytes: 4 * 2 ** 20 },
      phases: [{ durationTicks: 50, arrivals: { perTick: 20 }, lifetimeTicks: 40,
        peakStackBytes: 20_000, blockedStackBytes: 20_000 }],
    };
    const compiled = compileScenario(validateScenario(json, "oom.json"));
    const engine = createEngine({ ...compiled.engineOptions, engine: "ts" });
    let whole: unknown;
    try {
      runScenario(engine, compiled);
    } catch (error) {
      whole = error;
    }
    expect(whole).toBeInstanceOf(StackLabError);
    const slicedEngine = createEngine({ ...compiled.engineOptions, engine: "ts" });
    const run = new ScenarioRun(slicedEngine, compiled);
    let thrown: unknown;
    try {
      while (!run.advance(3));
    } catch (error) {
      thrown = error;
    }
    expect((thrown as StackLabError).message).toBe((whole as StackLabError).message);
    expect(slicedEngine.snapshot()).toEqual(engine.snapshot());
    expect(() => run.advance(1)).toThrow(/earlier slice threw/);
  });
});
