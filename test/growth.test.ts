import { describe, expect, it } from "vitest";
import { KiB, VARIANTS, engineFor, spawn } from "./support.js";

describe.each(VARIANTS)("stack growth ($name)", (variant) => {
  it("growing from 2 KiB to 8 KiB makes two copies", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1);
    // 1120 + StackGuard 928 = 2048 still fits in 2 KiB.
    e.use(g!, 1120);
    expect(e.stats().growCopies).toBe(0);
    // 5000 + 928 > 4096, <= 8192: 2 -> 4 -> 8 KiB.
    e.use(g!, 5000);
    expect(e.stats().growCopies).toBe(2);
    expect(e.stats().liveStackBytes).toBe(8 * KiB);
  });

  it("a grown stack is freed at exit and its span returns", () => {
    const e = engineFor(variant);
    for (const g of spawn(e, 100, 5000)) e.goexit(g);
    const s = e.readMemStats();
    // Dead Gs keep no 8 KiB stack, and every 2 KiB and 4 KiB stack was
    // freed by the copies, so after the flush no span is left in use.
    expect(s.deadGStackBytes).toBe(0);
    expect(s.stackInuse).toBe(0);
  });

  it("growth past the maximum stack size is a stack overflow, nothing changes", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1, 5000);
    const before = e.snapshot();
    expect(() => e.use(g!, 600_000_000)).toThrow(/stack overflow/);
    expect(e.snapshot()).toEqual(before);
    // 400 MB fits in a 512 MiB stack: 16 copies from 8 KiB.
    e.use(g!, 400_000_000);
    expect(e.stats().liveStackBytes).toBe(512 * 1024 * KiB);
  });

  it("large stacks come from the heap in whole spans", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1, 40 * KiB);
    // 2 -> 4 -> 8 -> 16 -> 32 -> 64 KiB; 32 KiB and up are large.
    expect(e.stats().growCopies).toBe(5);
    const snap = e.snapshot();
    const large = snap.spans.filter((s) => s.order < 0);
    expect(large).toHaveLength(1);
    expect(large[0]!.pages).toBe(8);
    e.goexit(g!);
    expect(e.snapshot().spans.filter((s) => s.order < 0)).toHaveLength(0);
  });
});
