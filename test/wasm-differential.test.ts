import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/profiles.js";
import { createReferenceEngine } from "../src/reference/engine.js";
import type { EngineOptions } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { Tracker, apply, configArb, opArb } from "./ops.js";
import type { Op } from "./ops.js";

// The wasm core against the reference engine, built directly (not through
// createEngine): after every operation the outcome and the full snapshot
// must be identical, for both builds of the core.
function compare(options: EngineOptions, ops: Op[], build: "release" | "debug"): void {
  const ts = createReferenceEngine(resolveConfig({ ...options, engine: "ts" }));
  const wasm = createWasmEngine(resolveConfig({ ...options, engine: "wasm" }), { build });
  const tTs = new Tracker();
  const tWasm = new Tracker();
  ops.forEach((op, step) => {
    const a = apply(ts, tTs, op);
    const b = apply(wasm, tWasm, op);
    const where = `step ${step}: ${JSON.stringify(op)}`;
    expect(b, where).toEqual(a);
    expect(wasm.snapshot(), where).toEqual(ts.snapshot());
  });
  wasm.checkInvariants();
}

const phased = fc.array(fc.oneof(
  { weight: 8, arbitrary: opArb },
  { weight: 1, arbitrary: fc.constant<Op>({ op: "gcStart", p: 0 }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: "gcFinish", p: 0 }) },
), { minLength: 1, maxLength: 300, size: "max" });

describe("wasm core matches the reference engine step by step", () => {
  for (const build of ["release", "debug"] as const) {
    it(`random streams with GC interleavings (${build})`, () => {
      fc.assert(fc.property(configArb, phased, (options, ops) => compare(options, ops, build)),
        { numRuns: 150, seed: 424242 });
    });
  }
});
