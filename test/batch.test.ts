// The batch API (engine.batch over the core's batch executor) against
// per-operation calls: the same outcome per operation (value or error
// code) and the same final snapshot, in continue mode and in stop mode.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { StackLabError } from "../src/errors.js";
import { ARENA_BASE_ADDRESS } from "../src/profiles.js";
import type { Engine, Stack } from "../src/types.js";
import type { BatchOutcome } from "../src/wasm/batch.js";
import type { WasmEngine } from "../src/wasm/engine.js";
import type { Op } from "../src/workload/types.js";

type Abstract =
  | { op: "newproc"; p: number }
  | { op: "use"; which: number; bytes: number }
  | { op: "goexit"; which: number }
  | { op: "gc" | "gcStart" | "gcFinish"; p: number }
  | { op: "procresize"; n: number }
  | { op: "readMemStats" }
  | { op: "stackalloc"; bytes: number; p: number | "noP" }
  | { op: "stackfree"; which: number; bytes: number | null; p: number | "noP" };

const bytes = fc.oneof(fc.nat({ max: 70_000 }), fc.constantFrom(-1, 1.5, 2e9));
const stackSize = fc.constantFrom(2048, 4096, 8192, 32768, 65536, 3000, 1024);
const pRef = fc.oneof(fc.nat({ max: 4 }), fc.constant<"noP">("noP"));
const abstractOp: fc.Arbitrary<Abstract> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("newproc" as const), p: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("use" as const), which: fc.nat(),
    bytes }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("goexit" as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("gc" as const, "gcStart" as const,
    "gcFinish" as const), p: fc.nat({ max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("procresize" as const),
    n: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: "readMemStats" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("stackalloc" as const),
    bytes: stackSize, p: pRef }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("stackfree" as const), which: fc.nat(),
    bytes: fc.option(stackSize), p: pRef }) },
);

type Outcome = { ok: true; value?: number | Stack } | { ok: false; code: string };

/**
 * Turns abstract operations into concrete ones while running them one by
 * one on `engine` (goroutine ids and raw stacks exist only as they run).
 * newproc always gets a valid P, so goroutine ids follow newproc order.
 */
function materialize(engine: Engine, ops: Abstract[], stopOnError: boolean):
  { ops: Op[]; outcomes: Outcome[] } {
  const goids: number[] = [];
  const raws: Stack[] = [];
  let procs = engine.config.procs;
  const concrete: Op[] = [];
  const outcomes: Outcome[] = [];
  for (const a of ops) {
    let op: Op;
    switch (a.op) {
      case "newproc": op = { op: "newproc", p: a.p % procs }; break;
      case "use": op = { op: "use", g: goids[a.which % (goids.length + 2)] ?? 999_999,
        bytes: a.bytes }; break;
      case "goexit": op = { op: "goexit", g: goids[a.which % (goids.length + 2)] ?? 999_999 };
        break;
      case "stackfree": {
        const raw = raws[a.which % (raws.length + 1)];
        const lo = raw?.lo ?? ARENA_BASE_ADDRESS + (a.which % 64) * 2048;
        op = { op: "stackfree", lo, bytes: a.bytes ?? (raw ? raw.hi - raw.lo : 2048), p: a.p };
        break;
      }
      default: op = a; break;
    }
    concrete.push(op);
    try {
      outcomes.push(apply(engine, op));
    } catch (error) {
      if (!(error instanceof StackLabError)) throw error;
      outcomes.push({ ok: false, code: error.code });
      if (stopOnError) break;
      continue;
    }
    const last = outcomes[outcomes.length - 1]!;
    if (op.op === "newproc" && last.ok) goids.push(last.value as number);
    if (op.op === "stackalloc" && last.ok) raws.push(last.value as Stack);
    if (op.op === "procresize") procs = op.n;
  }
  return { ops: concrete, outcomes };
}

function apply(engine: Engine, op: Op): Outcome {
  switch (op.op) {
    case "newproc": return { ok: true, value: engine.newproc(op.p) };
    case "use": engine.use(op.g, op.bytes); break;
    case "goexit": engine.goexit(op.g); break;
    case "gc": engine.gc(op.p); break;
    case "gcStart": engine.gcStart(op.p); break;
    case "gcFinish": engine.gcFinish(op.p); break;
    case "procresize": engine.procresize(op.n); break;
    case "readMemStats": engine.readMemStats(); break;
    case "stackalloc": return { ok: true, value: engine.stackalloc(op.bytes, op.p) };
    case "stackfree": engine.stackfree({ lo: op.lo, hi: op.lo + op.bytes }, op.p); break;
  }
  return { ok: true };
}

const wasm = (procs: number): WasmEngine =>
  createEngine({ engine: "wasm", procs }) as unknown as WasmEngine;

describe("engine.batch", () => {
  it("continue mode: every outcome and the final state equal per-operation calls", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(abstractOp,
      { maxLength: 300 }), (procs, ops) => {
      const perOp = wasm(procs);
      const { ops: concrete, outcomes } = materialize(perOp, ops, false);
      const batched = wasm(procs);
      const result = batched.batch(concrete, { stopOnError: false });
      expect(result.executed).toBe(concrete.length);
      expect(result.outcomes as BatchOutcome[]).toEqual(outcomes);
      expect(batched.snapshot()).toEqual(perOp.snapshot());
    }), { numRuns: 120, seed: 77 });
  });

  it("stop mode: runs up to the first refusal and leaves the rest", () => {
    fc.assert(fc.property(fc.array(abstractOp, { minLength: 1, maxLength: 200 }), (ops) => {
      const perOp = wasm(2);
      const { ops: concrete, outcomes } = materialize(perOp, ops, true);
      const tail: Op[] = [{ op: "newproc", p: 0 }, { op: "gc", p: 0 }];
      const batched = wasm(2);
      const result = batched.batch([...concrete, ...tail]);
      const refused = outcomes.at(-1)?.ok === false;
      expect(result.executed).toBe(concrete.length + (refused ? 0 : tail.length));
      expect(result.outcomes.slice(0, outcomes.length) as BatchOutcome[]).toEqual(outcomes);
      if (refused) expect(batched.snapshot()).toEqual(perOp.snapshot());
    }), { numRuns: 120, seed: 78 });
  });

  it("names goroutines made earlier in the same batch, and they stay usable", () => {
    const engine = wasm(1);
    const result = engine.batch([{ op: "newproc", p: 0 }, { op: "use", g: 1, bytes: 5000 },
      { op: "newproc", p: 0 }, { op: "goexit", g: 1 }, { op: "use", g: 1, bytes: 10 }]);
    expect(result.executed).toBe(5);
    expect(result.outcomes.map((o) => o.ok)).toEqual([true, true, true, true, false]);
    expect(result.outcomes[4]).toEqual({ ok: false, code: "unknownGoroutine" });
    engine.use(2, 5000);
    expect(engine.stats().growCopies).toBe(4);
  });
});
