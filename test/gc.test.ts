import { describe, expect, it } from "vitest";
import { KiB, VARIANTS, engineFor, spawn } from "./support.js";

describe.each(VARIANTS)("GC cycle ($name)", (variant) => {
  it("pool spans return to the heap at once when the GC phase is off", () => {
    const e = engineFor(variant);
    const st = e.stackalloc(16 * KiB, "noP");
    expect(e.stats().stackInuse).toBe(32 * KiB);
    e.stackfree(st, "noP");
    expect(e.stats().stackInuse).toBe(0);
  });

  it("pool spans stay allocated during mark and go back at the end", () => {
    const e = engineFor(variant);
    const st = e.stackalloc(16 * KiB, "noP");
    e.gcStart();
    e.stackfree(st, "noP");
    // allocCount is 0 but the phase is mark: the span stays in the pool.
    expect(e.stats().stackInuse).toBe(32 * KiB);
    expect(e.stats().poolFreeBytes).toBe(32 * KiB);
    expect(e.snapshot().spans[0]!.allocCount).toBe(0);
    e.gcFinish();
    // freeStackSpans returns it.
    expect(e.stats().stackInuse).toBe(0);
  });

  it("large stacks go to the large cache during mark, the heap otherwise", () => {
    const e = engineFor(variant);
    const a = e.stackalloc(64 * KiB, 0);
    const b = e.stackalloc(64 * KiB, 0);
    e.stackfree(a, 0);
    expect(e.stats().stackInuse).toBe(64 * KiB);
    e.gcStart();
    e.stackfree(b, 0);
    expect(e.stats().largeCacheBytes).toBe(64 * KiB);
    expect(e.snapshot().stackLarge[3]).toEqual([b.lo]);
    // A large allocation during mark reuses the cached span.
    const c = e.stackalloc(64 * KiB, 0);
    expect(c.lo).toBe(b.lo);
    e.stackfree(c, 0);
    e.gcFinish();
    expect(e.stats().largeCacheBytes).toBe(0);
    expect(e.stats().stackInuse).toBe(0);
  });

  it("a GC frees the stacks of Gs on the global list only", () => {
    const e = engineFor(variant);
    // 64 exits: 33 Gs with 2 KiB stacks spill to the global list, 31 stay.
    for (const g of spawn(e, 64)) e.goexit(g);
    expect(e.stats().deadGStackBytes).toBe(64 * 2 * KiB);
    e.gc();
    const s = e.stats();
    expect(s.deadGStackBytes).toBe(31 * 2 * KiB);
    expect(s.gfreeGlobalStack).toBe(0);
    expect(s.gfreeGlobalNoStack).toBe(33);
    // The cache was cleared at the end of the cycle, so only spans with
    // kept stacks remain: 31 stacks need at least 2 spans of 16.
    expect(s.pCacheBytes).toBe(0);
    expect(s.stackInuse).toBe(s.deadGStackBytes + s.poolFreeBytes);
  });

  it("shrink halves a stack used below a quarter", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1, 20 * KiB); // 2 -> 4 -> 8 -> 16 -> 32 KiB
    expect(e.stats().growCopies).toBe(4);
    e.use(g!, 1000);
    // 1000 + StackLimit 800 < 32 KiB / 4: halve to 16 KiB, one per cycle.
    e.gc();
    expect(e.stats().shrinkCopies).toBe(1);
    expect(e.stats().liveStackBytes).toBe(16 * KiB);
    e.gc();
    e.gc();
    // 16 -> 8 -> 4 KiB; at 4 KiB, 1800 >= 4096 / 4 stops it.
    expect(e.stats().liveStackBytes).toBe(4 * KiB);
    e.gc();
    expect(e.stats().shrinkCopies).toBe(3);
  });

  it("adaptive start picks round2(average scanned use + StackGuard)", () => {
    const e = engineFor(variant);
    // Two live goroutines using 3000 and 5000 bytes: average 4000, plus
    // StackGuard 928 = 4928, rounded up to 8 KiB.
    const [a, b] = spawn(e, 2);
    e.use(a!, 3000);
    e.use(b!, 5000);
    e.gc();
    expect(e.stats().startingStackSize).toBe(8 * KiB);
    // A G from gfget now gets an 8 KiB stack; a brand-new G (malg) still
    // gets round2(StackSystem + StackMin) = 2 KiB.
    e.goexit(a!);
    const reused = e.newproc(0);
    const fresh = e.newproc(0);
    const gs = e.snapshot().gs;
    const stackOf = (goid: number): number => {
      const g = gs.find((x) => x.goid === goid)!;
      return g.hi - g.lo;
    };
    expect(stackOf(reused)).toBe(8 * KiB);
    expect(stackOf(fresh)).toBe(2 * KiB);
  });

  it("go1.18 never changes the starting size", () => {
    const e = engineFor(variant, { goVersion: "go1.18" });
    spawn(e, 2, 5000);
    e.gc();
    expect(e.stats().startingStackSize).toBe(2 * KiB);
  });

  it("adaptive start with nothing scanned falls back to FixedStack", () => {
    const e = engineFor(variant);
    const [a] = spawn(e, 1, 9000);
    e.gc();
    expect(e.stats().startingStackSize).toBe(16 * KiB);
    e.goexit(a!);
    e.gc();
    expect(e.stats().startingStackSize).toBe(2 * KiB);
  });

  it("gcStart and gcFinish enforce the phase order", () => {
    const e = engineFor(variant);
    expect(() => e.gcFinish()).toThrow(/bad GC phase/);
    e.gcStart();
    expect(() => e.gcStart()).toThrow(/bad GC phase/);
    expect(() => e.gc()).toThrow(/bad GC phase/);
    e.gcFinish();
    expect(e.stats().gcCycles).toBe(1);
  });
});
