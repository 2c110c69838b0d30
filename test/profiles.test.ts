import { describe, expect, it } from "vitest";
import { PLATFORMS, createEngine, platformProfile, resolveConfig } from "../src/index.js";
import { VARIANTS, engineFor } from "./support.js";

describe("platform profiles", () => {
  // Constants from SYSTEM.md's platform table; StackGuard = 928 + System,
  // StackLimit = Guard - System - 128 = 800 everywhere.
  const table = [
    ["linux/amd64", 0, 2048, 4, 1_000_000_000],
    ["windows/amd64", 4096, 8192, 2, 1_000_000_000],
    ["windows/386", 2048, 4096, 3, 250_000_000],
    ["plan9", 512, 4096, 3, 1_000_000_000],
    ["ios/arm64", 1024, 4096, 4, 1_000_000_000],
  ] as const;

  it.each(table)("%s has the runtime's constants", (name, system, fixed, orders, max) => {
    const p = platformProfile(name);
    expect(p.stackSystemBytes).toBe(system);
    expect(p.fixedStackBytes).toBe(fixed);
    expect(p.numStackOrders).toBe(orders);
    expect(p.stackGuardBytes).toBe(928 + system);
    expect(p.stackLimitBytes).toBe(800);
    expect(p.maxStackBytes).toBe(max);
    expect(p.newGStackBytes).toBe(fixed);
  });

  it("lists every platform", () => {
    expect(PLATFORMS).toEqual(table.map((row) => row[0]));
  });

  it("rejects options the runtime could not have, naming them", () => {
    expect(() => resolveConfig({ procs: 0 })).toThrow(/procs/);
    expect(() => resolveConfig({ goVersion: "go1.18", adaptiveStackStart: true }))
      .toThrow(/adaptiveStackStart/);
    expect(() => resolveConfig({ policy: { stackCacheBytes: 3000 } })).toThrow(/stackCacheBytes/);
    expect(() => resolveConfig({ policy: { gfreeKeep: 64 } })).toThrow(/gfreeKeep/);
    expect(() => createEngine({ platform: "linux/arm" as never })).toThrow(/platform/);
    expect(() => resolveConfig({ bogus: 1 } as never)).toThrow(/bogus: unknown option/);
  });
});

describe.each(VARIANTS)("small and large stacks per platform ($name)", (variant) => {
  it.each(PLATFORMS)("%s: the largest small order uses the pool, the next is large", (platform) => {
    const e = engineFor(variant, { platform });
    const { fixedStackBytes, numStackOrders } = platformProfile(platform);
    const largestSmall = fixedStackBytes << (numStackOrders - 1);
    const smallBytes = Math.min(largestSmall, 16384);
    const small = e.stackalloc(smallBytes, 0);
    expect(e.snapshot().spans[0]!.order).toBe(Math.log2(smallBytes / fixedStackBytes));
    e.stackfree(small, 0);
    const large = e.stackalloc(Math.max(largestSmall * 2, 32768), 0);
    expect(e.snapshot().spans.some((s) => s.order === -1 && s.base === large.lo)).toBe(true);
  });

  it("windows/amd64 gives every new G an 8 KiB stack", () => {
    const e = engineFor(variant, { platform: "windows/amd64" });
    e.newproc(0);
    expect(e.stats().liveStackBytes).toBe(8192);
  });
});

describe("policy limits", () => {
  it("refuses orders that would make a stack smaller than a page large", () => {
    // linux/amd64 with one order: 4 KiB stacks would be large, half a page.
    expect(() => resolveConfig({ policy: { numStackOrders: 1 } })).toThrow(/numStackOrders/);
    expect(resolveConfig({ policy: { numStackOrders: 2 } }).policy.numStackOrders).toBe(2);
  });
});
