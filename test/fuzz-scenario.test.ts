import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StackLabError } from "../src/index.js";
import { compileScenario } from "../src/workload/compile.js";
import { parseScenario } from "../src/workload/scenario.js";

// Fuzzing the scenario parser: random JSON, random text and mutations of
// the built-in scenarios. Every input must either parse and compile, or be
// refused with a StackLabError; nothing else may escape, and nothing hangs.

const BUILTINS = ["default", "rpc-churn", "fan-out", "long-lived-shrink", "adaptive-start",
  "many-procs"].map((name) => JSON.parse(readFileSync(
  new URL(`../scenarios/${name}.json`, import.meta.url), "utf8")) as unknown);

let accepted = 0;
let refused = 0;

function onlyTypedErrors(text: string): void {
  try {
    const scenario = parseScenario(text, "fuzz.json");
    compileScenario(scenario, { maxTicks: 10 });
    accepted++;
  } catch (err) {
    if (!(err instanceof StackLabError)) throw err;
    expect(err.message).toMatch(/fuzz\.json|createEngine|scenario/);
    refused++;
  }
}

/** Replaces the value at a random path of a JSON value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const next = mutate(child, path.slice(1), replacement);
  if (Array.isArray(value)) return value.map((v, i) => (String(i) === key ? next : v));
  return { ...value, [key]: next };
}

const nasty = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(-1, 0, 1.5, 1e308, -0, 2 ** 53, 3000, "", "x", null, [], {}, true),
  fc.constant(Number.NaN),
);

describe("fuzz: the scenario parser only ever raises typed errors", () => {
  it("random JSON values", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyTypedErrors(JSON.stringify(v))),
      { numRuns: 2000, seed: 11 });
  });

  it("random text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), onlyTypedErrors),
      { numRuns: 2000, seed: 12 });
  });

  it("built-in scenarios with one field replaced", () => {
    fc.assert(fc.property(fc.nat({ max: BUILTINS.length - 1 }),
      fc.array(fc.nat(), { maxLength: 6 }), nasty, (which, path, replacement) => {
        onlyTypedErrors(JSON.stringify(mutate(BUILTINS[which], path, replacement)));
      }), { numRuns: 5000, seed: 13 });
  });

  it("built-in scenario text with bytes cut or changed", () => {
    fc.assert(fc.property(fc.nat({ max: BUILTINS.length - 1 }), fc.nat(), fc.nat({ max: 40 }),
      fc.string({ maxLength: 3 }), (which, at, cut, insert) => {
        const text = JSON.stringify(BUILTINS[which], null, 2);
        const i = at % text.length;
        onlyTypedErrors(text.slice(0, i) + insert + text.slice(i + cut));
      }), { numRuns: 3000, seed: 14 });
  });

  it("both outcomes happened", () => {
    console.info(`fuzz-scenario: ${accepted} inputs accepted, `
      + `${refused} refused with a typed error`);
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });
});
