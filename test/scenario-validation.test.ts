// Scenario files: every kind of bad field is rejected with an InputError
// that names the file, the JSON path and what was expected.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseScenario, validateScenario } from "../src/workload/scenario.js";

function base(): Record<string, any> {
  return {
    name: "t",
    seed: 3,
    engine: { procs: 2 },
    phases: [{
      durationTicks: 10,
      arrivals: { perTick: 2 },
      lifetimeTicks: { kind: "exponential", mean: 4 },
      peakStackBytes: 5000,
      blockedStackBytes: { kind: "uniform", min: 0, max: 900 },
    }, { durationTicks: 5 }],
  };
}

function rejects(edit: (s: Record<string, any>) => void, field: string, pattern: RegExp): void {
  const s = base();
  edit(s);
  let caught: unknown;
  try {
    validateScenario(s, "bad.json");
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  const error = caught as InputError;
  expect(error.file).toBe("bad.json");
  expect(error.field).toBe(field);
  expect(error.message).toMatch(pattern);
  expect(error.message).toContain(`bad.json: ${field}:`);
}

describe("scenario validation", () => {
  it("accepts a good scenario and fills inherited fields", () => {
    const s = validateScenario(base(), "ok.json");
    expect(s.phases[1]!.lifetimeTicks).toEqual({ kind: "exponential", mean: 4 });
    expect(s.phases[1]!.placement).toEqual({ kind: "roundRobin" });
    expect(s.phases[0]!.peakStackBytes).toEqual({ kind: "fixed", value: 5000 });
  });

  it("rejects wrong types", () => {
    rejects((s) => { s.seed = "7"; }, "seed", /expected an integer/);
    rejects((s) => { s.phases[0].arrivals = 5; }, "phases[0].arrivals", /expected an object/);
    rejects((s) => { s.phases = {}; }, "phases", /expected an array/);
    rejects((s) => { s.engine.adaptiveStackStart = 1; }, "engine.adaptiveStackStart",
      /true or false/);
  });

  it("rejects unknown fields at every level", () => {
    rejects((s) => { s.phase = []; }, "phase", /unknown field/);
    rejects((s) => { s.phases[1].lifetime = 3; }, "phases[1].lifetime", /unknown field/);
    rejects((s) => { s.engine.policy = { keepGrown: 1 }; }, "engine.policy.keepGrown",
      /unknown field/);
    rejects((s) => { s.phases[0].lifetimeTicks.median = 3; },
      "phases[0].lifetimeTicks.median", /unknown field/);
  });

  it("rejects negative, fractional, NaN and enormous numbers", () => {
    rejects((s) => { s.phases[0].arrivals.perTick = -1; }, "phases[0].arrivals.perTick", /\[0, /);
    rejects((s) => { s.phases[0].arrivals.perTick = 2.5; }, "phases[0].arrivals.perTick",
      /whole number/);
    rejects((s) => { s.phases[1].lifetimeTicks = { kind: "exponential", mean: NaN }; },
      "phases[1].lifetimeTicks.mean", /finite number.*NaN/);
    rejects((s) => { s.phases[1].lifetimeTicks = { kind: "exponential", mean: -2 }; },
      "phases[1].lifetimeTicks.mean", /\(0, /);
    rejects((s) => { s.phases[0].durationTicks = 1e300; }, "phases[0].durationTicks",
      /\[1, 1000000000\]/);
    rejects((s) => { s.phases[0].peakStackBytes = 2 ** 40; }, "phases[0].peakStackBytes",
      /1000000000/);
    rejects((s) => { s.phases[0].arrivals = { ratePerTick: Infinity }; },
      "phases[0].arrivals.ratePerTick", /finite/);
  });

  it("rejects non-powers of two where required", () => {
    rejects((s) => { s.phases[0].noPShare = { probability: 0.5, bytes: 3000 }; },
      "phases[0].noPShare.bytes", /power of two/);
    rejects((s) => { s.engine.policy = { stackCacheBytes: 40000 }; },
      "engine.policy.stackCacheBytes", /power of two/);
  });

  it("rejects empty phases and missing first-phase fields", () => {
    rejects((s) => { s.phases = []; }, "phases", /at least 1 element/);
    rejects((s) => { delete s.phases[0].lifetimeTicks; }, "phases[0].lifetimeTicks", /required/);
    rejects((s) => { s.phases[0].histogram = 1; }, "phases[0].histogram", /unknown/);
    rejects((s) => { s.phases[0].peakStackBytes = { kind: "histogram", buckets: [] }; },
      "phases[0].peakStackBytes.buckets", /at least 1/);
  });

  it("rejects GOMAXPROCS 0 and above 1024", () => {
    rejects((s) => { s.engine.procs = 0; }, "engine.procs", /\[1, 1024\]/);
    rejects((s) => { s.engine.procs = 1025; }, "engine.procs", /\[1, 1024\]/);
    rejects((s) => { s.phases[0].procresize = [{ atTick: 1, procs: 0 }]; },
      "phases[0].procresize[0].procs", /\[1, 1024\]/);
  });

  it("checks cross-field rules", () => {
    rejects((s) => { s.phases[0].arrivals = { perTick: 1, ratePerTick: 2 }; },
      "phases[0].arrivals", /exactly one/);
    rejects((s) => { s.phases[0].gc = { everyTicks: 3, everyExits: 4 }; },
      "phases[0].gc", /exactly one/);
    rejects((s) => { s.phases[0].gc = { atTicks: [4, 2] }; },
      "phases[0].gc.atTicks[1]", /increasing/);
    rejects((s) => { s.phases[0].gc = { atTicks: [10] }; },
      "phases[0].gc.atTicks[0]", /\[0, 9\]/);
    rejects((s) => { s.phases[0].blockedStackBytes = { kind: "uniform", min: 9, max: 1 }; },
      "phases[0].blockedStackBytes.max", /max >= min/);
    rejects((s) => { s.engine = { goVersion: "go1.18", adaptiveStackStart: true }; },
      "engine.adaptiveStackStart", /adaptive/);
    rejects((s) => { s.phases[0].lifetimeTicks = 0; }, "phases[0].lifetimeTicks", /\[1, /);
  });

  it("names the line of a JSON syntax error", () => {
    const text = '{\n  "name": "x",\n  "seed": 1,,\n  "phases": []\n}';
    expect(() => parseScenario(text, "syntax.json")).toThrow(/syntax\.json:3: .*not valid JSON/);
  });
});
