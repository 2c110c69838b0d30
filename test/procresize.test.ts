import { describe, expect, it } from "vitest";
import { KiB, VARIANTS, engineFor, spawn } from "./support.js";

describe.each(VARIANTS)("procresize ($name)", (variant) => {
  it("a removed P clears its stack cache and gives its free Gs to the global lists", () => {
    const e = engineFor(variant, { procs: 4 });
    // P 3: 10 goroutines exit (2 KiB stacks kept) and a raw free leaves
    // stacks in its cache.
    for (const g of spawn(e, 10, 0, 3)) e.goexit(g);
    e.stackfree(e.stackalloc(8 * KiB, 3), 3);
    expect(e.snapshot().procs[3]!.gFree).toHaveLength(10);
    expect(e.snapshot().procs[3]!.stackcache[2]!.bytes).toBe(16 * KiB);
    e.procresize(2);
    const snap = e.snapshot();
    expect(snap.procs).toHaveLength(2);
    // gfpurge: all 10 moved; they hold stacks, so all go to gFree.stack.
    expect(snap.gFreeStack).toHaveLength(10);
    // The cache was cleared into the pool; the 8 KiB span emptied and,
    // with GC off, went back to the heap.
    expect(snap.spans.filter((s) => s.order === 2)).toHaveLength(0);
    // The 6 spare 2 KiB stacks of P 3's cache are back on their span.
    expect(e.stats().pCacheBytes).toBe(0);
    expect(e.stats().poolFreeBytes).toBe(6 * 2 * KiB);
  });

  it("goroutines of a removed P continue on P (index mod n)", () => {
    const e = engineFor(variant, { procs: 4 });
    const [g] = spawn(e, 1, 0, 3);
    e.procresize(2);
    expect(e.snapshot().gs[0]!.p).toBe(1);
    e.use(g!, 5000);
    e.goexit(g!);
    expect(e.snapshot().procs[1]!.gFree).toEqual([0]);
  });

  it("growing GOMAXPROCS adds empty Ps", () => {
    const e = engineFor(variant);
    e.procresize(3);
    expect(e.snapshot().procs).toHaveLength(3);
    spawn(e, 1, 0, 2);
    expect(e.stats().liveGoroutines).toBe(1);
  });
});
