// Random operation streams for differential and property tests. An op names
// goroutines and raw stacks by position among the live ones, so the same
// stream means the same thing on every engine; some ops are invalid on
// purpose (bad sizes, unknown goroutines, double frees, bad Ps).

import fc from "fast-check";
import type { Engine, EngineOptions, PlatformName, Stack } from "../src/index.js";
import { StackLabError } from "../src/index.js";

export type Op =
  | { op: "newproc"; p: number }
  | { op: "use"; pick: number; bytes: number }
  | { op: "goexit"; pick: number }
  | { op: "gc" | "gcStart" | "gcFinish"; p: number }
  | { op: "procresize"; n: number }
  | { op: "readMemStats" }
  | { op: "stackalloc"; bytes: number; p: number | "noP" }
  | { op: "stackfree"; pick: number; p: number | "noP"; mangle: Mangle }
  | { op: "stackfreeBogus"; lo: number; bytes: number };

/** How stackfree alters the stack it frees, to provoke each error. */
type Mangle = "none" | "size" | "shift" | "again";

const KiB = 1024;
const SIZES = [2 * KiB, 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB, 64 * KiB, 256 * KiB, 3000, 1024];
const USES = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1200 }) },
  { weight: 4, arbitrary: fc.integer({ min: 1200, max: 40_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 40_000, max: 600_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(-5, 700_000_000, 1.5) },
);
const P = fc.integer({ min: -1, max: 4 });
const PNOP = fc.oneof(P, fc.constant("noP" as const));
const PICK = fc.nat({ max: 1000 });

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant("newproc" as const), p: P }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("use" as const), pick: PICK, bytes: USES }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("goexit" as const), pick: PICK }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("gc" as const), p: P }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("gcStart" as const), p: P }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("gcFinish" as const), p: P }) },
  { weight: 1, arbitrary: fc.record({
    op: fc.constant("procresize" as const), n: fc.integer({ min: 0, max: 5 }),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("readMemStats" as const) }) },
  { weight: 4, arbitrary: fc.record({
    op: fc.constant("stackalloc" as const), bytes: fc.constantFrom(...SIZES), p: PNOP,
  }) },
  { weight: 4, arbitrary: fc.record({
    op: fc.constant("stackfree" as const), pick: PICK, p: PNOP,
    mangle: fc.constantFrom<Mangle>("none", "none", "none", "size", "shift", "again"),
  }) },
  { weight: 1, arbitrary: fc.record({
    op: fc.constant("stackfreeBogus" as const), lo: fc.nat({ max: 2 ** 20 }),
    bytes: fc.constantFrom(2048, 4096),
  }) },
);

const PLATFORMS: PlatformName[] = ["linux/amd64", "windows/amd64", "windows/386", "plan9",
  "ios/arm64"];

export const configArb: fc.Arbitrary<EngineOptions> = fc.record({
  platform: fc.constantFrom(...PLATFORMS),
  goVersion: fc.constantFrom("go1.18" as const, "go1.19" as const),
  procs: fc.integer({ min: 1, max: 4 }),
  policy: fc.record({
    stackCacheBytes: fc.constantFrom(32 * KiB, 32 * KiB, 64 * KiB, 16 * KiB),
    gfreeSpillAt: fc.constantFrom(64, 8),
    gfreeKeep: fc.constantFrom(32, 4),
    keepGrownStackBytes: fc.constantFrom(0, 0, 128 * KiB),
  }),
  heapLimitBytes: fc.constantFrom(64 * 2 ** 30, 64 * 8192, 200 * 8192),
}).map((o) => {
  // gfreeKeep must stay below gfreeSpillAt.
  const gfreeKeep = Math.min(o.policy.gfreeKeep, o.policy.gfreeSpillAt / 2);
  return { ...o, policy: { ...o.policy, gfreeKeep } };
});

/** Live goroutine ids and raw stacks, tracked alongside an engine. */
export class Tracker {
  goroutines: number[] = [];
  raw: Stack[] = [];
  freed: Stack[] = [];
}

/** What an op produced: a value, or an error's code and runtime text. */
export type Outcome = { ok: unknown } | { code: string; runtimeText: string };

function pickOf<T>(list: T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % (list.length + 1)];
}

/** Applies op to engine, updating the tracker; never throws StackLabError. */
export function apply(engine: Engine, t: Tracker, op: Op): Outcome {
  try {
    return { ok: run(engine, t, op) };
  } catch (err) {
    if (err instanceof StackLabError) return { code: err.code, runtimeText: err.runtimeText };
    throw err;
  }
}

function run(e: Engine, t: Tracker, op: Op): unknown {
  switch (op.op) {
    case "newproc": {
      const g = e.newproc(op.p);
      t.goroutines.push(g);
      return g;
    }
    case "use":
      return e.use(pickOf(t.goroutines, op.pick) ?? 10_000_000, op.bytes);
    case "goexit": {
      const g = pickOf(t.goroutines, op.pick) ?? 10_000_000;
      e.goexit(g);
      t.goroutines = t.goroutines.filter((x) => x !== g);
      return undefined;
    }
    case "gc": return e.gc(op.p);
    case "gcStart": return e.gcStart(op.p);
    case "gcFinish": return e.gcFinish(op.p);
    case "procresize": return e.procresize(op.n);
    case "readMemStats": return e.readMemStats();
    case "stackalloc": {
      const st = e.stackalloc(op.bytes, op.p);
      t.raw.push(st);
      return st;
    }
    case "stackfree": {
      const from = op.mangle === "again" ? t.freed : t.raw;
      const st = pickOf(from, op.pick) ?? from[0];
      if (st === undefined) return undefined;
      const size = st.hi - st.lo;
      const arg = op.mangle === "size" ? { lo: st.lo, hi: st.lo + size * 2 }
        : op.mangle === "shift" ? { lo: st.lo + 2048, hi: st.hi + 2048 } : st;
      e.stackfree(arg, op.p);
      if (op.mangle === "none") {
        t.raw = t.raw.filter((x) => x !== st);
        t.freed.push(st);
      }
      return undefined;
    }
    case "stackfreeBogus":
      // Addresses at 2 KiB steps from the arena base, mostly not stacks.
      const lo = 0xc0_0000_0000 + op.lo * 2048;
      return e.stackfree({ lo, hi: lo + op.bytes }, 0);
  }
}
