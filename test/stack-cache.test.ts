import { describe, expect, it } from "vitest";
import { KiB, VARIANTS, engineFor } from "./support.js";

describe.each(VARIANTS)("per-P stack cache ($name)", (variant) => {
  it("refill takes 8 stacks of 2 KiB on linux/amd64", () => {
    const e = engineFor(variant);
    // An empty cache refills to StackCacheSize/2 = 16 KiB = 8 stacks of
    // 2 KiB, carved from one new 32 KiB span; one is handed out, 7 remain.
    e.stackalloc(2 * KiB, 0);
    const s = e.stats();
    expect(s.cacheRefills).toBe(1);
    expect(s.spanAllocs).toBe(1);
    expect(s.pCacheBytes).toBe(7 * 2 * KiB);
    expect(s.poolFreeBytes).toBe(8 * 2 * KiB);
    const snap = e.snapshot();
    expect(snap.procs[0]!.stackcache[0]!.stacks).toHaveLength(7);
    // Carving pushes each stack, so the pool hands out 30 KiB, 28 KiB, ...
    // 16 KiB; refill pushes each on the cache, so 16 KiB comes out first.
    expect(snap.rawStacks[0]!.lo - snap.spans[0]!.base).toBe(16 * KiB);
    expect(snap.spans[0]!.freeStacks[0]! - snap.spans[0]!.base).toBe(14 * KiB);
  });

  it("release at 32 KiB keeps 16 KiB", () => {
    const e = engineFor(variant);
    // 17 raw stacks: two refills (8 + 8) and one more refill for the 17th.
    const stacks = Array.from({ length: 17 }, () => e.stackalloc(2 * KiB, 0));
    expect(e.stats().cacheRefills).toBe(3);
    // Free them all on P 0: the cache holds 7 after the last refill; after
    // 9 frees it holds 16 stacks = 32 KiB, so the next free releases down
    // to 16 KiB first, then pushes: 8 + 1 stacks.
    for (const st of stacks.slice(0, 10)) e.stackfree(st, 0);
    const s = e.stats();
    expect(s.cacheReleases).toBe(1);
    expect(s.pCacheBytes).toBe(9 * 2 * KiB);
  });

  it("noP bypasses the cache in both directions", () => {
    const e = engineFor(variant);
    const st = e.stackalloc(4 * KiB, "noP");
    expect(e.stats().pCacheBytes).toBe(0);
    expect(e.stats().cacheRefills).toBe(0);
    // The span holds 8 stacks of 4 KiB; one is out.
    expect(e.stats().poolFreeBytes).toBe(28 * KiB);
    e.stackfree(st, "noP");
    // The span's last stack came back with GC off: the span is freed.
    expect(e.stats().stackInuse).toBe(0);
    expect(e.stats().spanFrees).toBe(1);
  });

  it("readMemStats flushes every P cache, returning emptied spans", () => {
    const e = engineFor(variant, { procs: 2 });
    const a = e.stackalloc(2 * KiB, 0);
    const b = e.stackalloc(8 * KiB, 1);
    e.stackfree(a, 0);
    e.stackfree(b, 1);
    expect(e.stats().stackInuse).toBe(64 * KiB);
    const s = e.readMemStats();
    expect(s.pCacheBytes).toBe(0);
    expect(s.stackInuse).toBe(0);
    expect(s.spanFrees).toBe(2);
  });
});
