import { describe, expect, it } from "vitest";
import { StackLabError, UsageError } from "../src/index.js";
import type { Engine, ErrorCode } from "../src/index.js";
import { KiB, VARIANTS, engineFor, spawn } from "./support.js";

/** Expects op to throw a UsageError with `code` and change nothing. */
function rejects(e: Engine, op: () => unknown, code: ErrorCode, text?: RegExp): void {
  const before = e.snapshot();
  let caught: unknown;
  try {
    op();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UsageError);
  const err = caught as StackLabError;
  expect(err.code).toBe(code);
  if (text !== undefined) expect(err.runtimeText).toMatch(text);
  expect(e.snapshot()).toEqual(before);
}

describe.each(VARIANTS)("rejected operations change nothing ($name)", (variant) => {
  it("stackalloc checks size and P", () => {
    const e = engineFor(variant, { procs: 2 });
    e.stackalloc(2 * KiB, 0);
    rejects(e, () => e.stackalloc(3000, 0), "notPowerOfTwo", /^stack size not a power of 2$/);
    rejects(e, () => e.stackalloc(1024, 0), "badStackSize", /^bad stack size$/);
    rejects(e, () => e.stackalloc(2 ** 30, 0), "badStackSize");
    rejects(e, () => e.stackalloc(2 * KiB, 2), "badP");
    rejects(e, () => e.stackalloc(2 * KiB, -1), "badP");
    rejects(e, () => e.stackalloc(2.5, 0), "badArgument");
  });

  it("stackfree tells double free, foreign addresses and wrong sizes apart", () => {
    const e = engineFor(variant);
    const a = e.stackalloc(4 * KiB, 0);
    const b = e.stackalloc(4 * KiB, 0);
    e.stackfree(a, 0);
    rejects(e, () => e.stackfree(a, 0), "doubleFree");
    rejects(e, () => e.stackfree({ lo: 4096, hi: 8192 }, 0), "notStackSpan",
      /^freeing stack not in a stack span$/);
    rejects(e, () => e.stackfree({ lo: b.lo, hi: b.lo + 2 * KiB }, 0), "badStackSize");
    rejects(e, () => e.stackfree({ lo: b.lo + 2 * KiB, hi: b.lo + 6 * KiB }, 0), "badStackSize");
    rejects(e, () => e.stackfree({ lo: b.lo, hi: b.lo + 3000 }, 0), "notPowerOfTwo");
    const [g] = spawn(e, 1);
    const gs = e.snapshot().gs[0]!;
    expect(gs.goid).toBe(g);
    rejects(e, () => e.stackfree({ lo: gs.lo, hi: gs.hi }, 0), "badStackSize");
    const big = e.stackalloc(64 * KiB, "noP");
    e.stackfree(big, "noP");
    rejects(e, () => e.stackfree(big, "noP"), "notStackSpan");
  });

  it("a large stack freed during mark cannot be freed twice", () => {
    const e = engineFor(variant);
    const big = e.stackalloc(64 * KiB, 0);
    e.gcStart();
    e.stackfree(big, 0);
    rejects(e, () => e.stackfree(big, 0), "doubleFree");
  });

  it("goroutine operations check the goroutine", () => {
    const e = engineFor(variant);
    const [g] = spawn(e, 1);
    rejects(e, () => e.use(99, 100), "unknownGoroutine", /^unknown goroutine$/);
    rejects(e, () => e.use(g!, -1), "badArgument");
    rejects(e, () => e.use(g!, 1.5), "badArgument");
    e.goexit(g!);
    rejects(e, () => e.goexit(g!), "unknownGoroutine");
    rejects(e, () => e.use(g!, 10), "unknownGoroutine");
    rejects(e, () => e.newproc(1), "badP");
    rejects(e, () => e.procresize(0), "badArgument");
    rejects(e, () => e.procresize(1025), "badArgument");
    rejects(e, () => e.gc(3), "badP");
  });

  it("out of simulated memory under a heap limit, with nothing changed", () => {
    // 16 pages: four pool spans, or two 64 KiB stacks.
    const e = engineFor(variant, { heapLimitBytes: 16 * 8192 });
    const big = [e.stackalloc(64 * KiB, 0), e.stackalloc(64 * KiB, 0)];
    rejects(e, () => e.stackalloc(2 * KiB, 0), "outOfMemory", /^out of simulated memory$/);
    rejects(e, () => e.newproc(0), "outOfMemory");
    for (const st of big) e.stackfree(st, 0);
    const [g] = spawn(e, 1);
    // 12 pages are free. Growing to 64 KiB counts, in the worst case, a
    // pool span (4 pages) for each of 4, 8 and 16 KiB plus 4 and 8 pages
    // for the 32 and 64 KiB stacks: 24 pages.
    rejects(e, () => e.use(g!, 40 * KiB), "outOfMemory");
    e.use(g!, 5000);
    expect(e.stats().growCopies).toBe(2);
  });
});
