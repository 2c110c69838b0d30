import { describe, expect, it } from "vitest";
import type { Engine } from "../src/index.js";
import { VARIANTS, engineFor } from "./support.js";

const SPAN_BYTES = 32 * 1024;

// SYSTEM.md's measurements on Go 1.19.8 (linux/amd64, GOMAXPROCS=1,
// GOGC=off): StackInuse deltas over the idle baseline, read through
// ReadMemStats (which flushes the stack caches).
const REAL = [
  { n: 100, usedBytes: 500, live: 196_608, afterExit: 196_608, afterGc: 98_304 },
  { n: 1_000, usedBytes: 500, live: 2_031_616, afterExit: 2_031_616, afterGc: 163_840 },
  { n: 10_000, usedBytes: 500, live: 20_480_000, afterExit: 20_480_000, afterGc: 163_840 },
  { n: 100, usedBytes: 5_000, live: 819_200, afterExit: 0, afterGc: 0 },
  { n: 10_000, usedBytes: 10_000, live: 163_840_000, afterExit: 0, afterGc: 0 },
];

function lifecycle(e: Engine, n: number, usedBytes: number) {
  const base = e.readMemStats().stackInuse;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = e.newproc(0);
    e.use(g, usedBytes);
    ids.push(g);
  }
  const live = e.readMemStats().stackInuse - base;
  for (const g of ids) e.goexit(g);
  const afterExit = e.readMemStats().stackInuse - base;
  e.gc();
  const afterGc = e.readMemStats().stackInuse - base;
  return { live, afterExit, afterGc };
}

describe.each(VARIANTS)("the real-runtime table in SYSTEM.md ($name)", (variant) => {
  it.each(REAL)("$n goroutines using $usedBytes bytes", (row) => {
    const got = lifecycle(engineFor(variant, { checkInvariants: false }), row.n, row.usedBytes);
    // Shape: 2 KiB stacks stay with their dead Gs until a GC frees those on
    // the global list; grown stacks are freed at exit with their spans.
    if (row.usedBytes + 928 <= 2048) {
      expect(got.afterExit).toBe(got.live);
      expect(got.afterGc).toBeLessThan(got.afterExit);
    } else {
      expect(got.afterExit).toBe(0);
      expect(got.afterGc).toBe(0);
    }
    // Figures: within two spans of the runtime. The runtime's own idle
    // goroutines share the first spans, which the simulation starts without.
    for (const key of ["live", "afterExit", "afterGc"] as const) {
      expect(Math.abs(got[key] - row[key])).toBeLessThanOrEqual(2 * SPAN_BYTES);
    }
  });
});
