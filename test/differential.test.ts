import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/index.js";
import type { EngineOptions } from "../src/index.js";
import { Tracker, apply, configArb, opArb } from "./ops.js";

// Both engines get the same configuration and operation stream; after every
// operation their outcomes (value or error code and runtime text) and full
// snapshots must be identical, and the invariant checker must pass.
function compareEngines(options: EngineOptions, ops: Parameters<typeof apply>[2][],
  wasmBuild: "release" | "debug"): void {
  const ts = createEngine({ ...options, engine: "ts", checkInvariants: true });
  const wasm = createEngine({ ...options, engine: "wasm", wasmBuild });
  const tTs = new Tracker();
  const tWasm = new Tracker();
  ops.forEach((op, step) => {
    const a = apply(ts, tTs, op);
    const b = apply(wasm, tWasm, op);
    expect(b, `step ${step}: ${JSON.stringify(op)}`).toEqual(a);
    expect(wasm.snapshot(), `step ${step}: ${JSON.stringify(op)}`).toEqual(ts.snapshot());
  });
  ts.checkInvariants();
  wasm.checkInvariants();
}

describe("differential: wasm core against the reference engine", () => {
  for (const build of ["release", "debug"] as const) {
    it(`random operation streams agree step by step (${build})`, () => {
      const streams = fc.array(opArb, { minLength: 1, maxLength: 250, size: "max" });
      fc.assert(fc.property(configArb, streams,
        (options, ops) => compareEngines(options, ops, build)), { numRuns: 60, seed: 20261203 });
    });
  }

  it("GC interleavings: operations while the phase is mark", () => {
    const phased = fc.array(fc.oneof(
      opArb,
      fc.constant({ op: "gcStart" as const, p: 0 }),
      fc.constant({ op: "gcFinish" as const, p: 0 }),
    ), { minLength: 50, maxLength: 300, size: "max" });
    fc.assert(fc.property(configArb, phased,
      (options, ops) => compareEngines(options, ops, "release")), { numRuns: 40, seed: 7 });
  });
});
