import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/profiles.js";
import { createReferenceEngine } from "../src/reference/engine.js";
import type { Engine, EngineOptions, Stack } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { outcomeOf as outcome } from "./support.js";

// The core's page allocator (bitmap plus summary trees) against the
// reference's sorted free-run list: large raw stacks of many sizes, freed
// in random order, fragment an arena of several 64 MiB chunks with a heap
// limit that cuts the last chunk; first fits, coalescing, chunk mapping and
// the out-of-memory pre-check must agree step by step.
const MiB = 2 ** 20;
type HeapOp = { alloc: number } | { free: number } | { gc: true };

const heapOp: fc.Arbitrary<HeapOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ alloc: fc.integer({ min: 13, max: 27 }) }) },
  { weight: 4, arbitrary: fc.record({ free: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ gc: true as const }) },
);

function step(engine: Engine, raw: Stack[], op: HeapOp): unknown {
  if ("alloc" in op) {
    return outcome(() => {
      const stack = engine.stackalloc(2 ** op.alloc, "noP");
      raw.push(stack);
      return stack;
    });
  }
  if ("free" in op) {
    if (raw.length === 0) return undefined;
    const [stack] = raw.splice(op.free % raw.length, 1);
    return outcome(() => engine.stackfree(stack!, "noP"));
  }
  return outcome(() => engine.gc());
}

describe("wasm page heap matches the reference heap", () => {
  it("fragmenting large stacks across chunks, near a cut heap limit", () => {
    const options: EngineOptions = { heapLimitBytes: 300 * MiB + 5 * 8192 };
    fc.assert(fc.property(fc.array(heapOp, { minLength: 1, maxLength: 120, size: "max" }),
      (ops) => {
        const ts = createReferenceEngine(resolveConfig({ ...options, engine: "ts" }));
        const wasm = createWasmEngine(resolveConfig(options), { build: "debug" });
        const rawTs: Stack[] = [];
        const rawWasm: Stack[] = [];
        ops.forEach((op, i) => {
          const where = `step ${i}: ${JSON.stringify(op)}`;
          expect(step(wasm, rawWasm, op), where).toEqual(step(ts, rawTs, op));
          expect(wasm.snapshot().heap, where).toEqual(ts.snapshot().heap);
        });
        expect(wasm.snapshot()).toEqual(ts.snapshot());
      }), { numRuns: 60, seed: 99 });
  });
});
