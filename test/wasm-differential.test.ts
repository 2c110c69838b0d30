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

const KiB = 1024;
// Policies the shared configArb leaves at their defaults: fewer or more
// stack orders, bigger caches, more Ps, with the wasm side checking its
// own invariants after every step.
const policyArb: fc.Arbitrary<EngineOptions> = fc.record({
  platform: fc.constantFrom("linux/amd64" as const, "windows/amd64" as const,
    "windows/386" as const, "plan9" as const, "ios/arm64" as const),
  goVersion: fc.constantFrom("go1.18" as const, "go1.19" as const),
  procs: fc.integer({ min: 1, max: 8 }),
  policy: fc.record({
    numStackOrders: fc.integer({ min: 2, max: 6 }),
    stackCacheBytes: fc.constantFrom(16 * KiB, 32 * KiB, 128 * KiB),
    gfreeSpillAt: fc.constantFrom(64, 6),
    gfreeKeep: fc.constantFrom(32, 2),
    keepGrownStackBytes: fc.constantFrom(0, 16 * KiB, 128 * KiB),
  }),
  heapLimitBytes: fc.constantFrom(64 * 2 ** 30, 96 * 8192, 300 * 8192),
}).map((o) => {
  const policy = { ...o.policy };
  if (policy.gfreeKeep >= policy.gfreeSpillAt) policy.gfreeKeep = 2;
  const fixed = o.platform === "windows/amd64" ? 8192 : o.platform === "linux/amd64" ? 2048 : 4096;
  if (policy.stackCacheBytes < 2 * fixed) policy.stackCacheBytes = 2 * fixed;
  return { ...o, policy };
});

describe("wasm core matches the reference engine under other policies", () => {
  it("orders, cache sizes, Ps, keepGrownStackBytes (debug, invariants on)", () => {
    fc.assert(fc.property(policyArb, phased, (options, ops) =>
      compare({ ...options, checkInvariants: true }, ops, "debug")),
    { numRuns: 100, seed: 1203 });
  });
});
