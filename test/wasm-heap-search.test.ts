import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARENA_BASE_ADDRESS, resolveConfig } from "../src/profiles.js";
import { createReferenceEngine } from "../src/reference/engine.js";
import type { Engine, EngineOptions, Stack } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { outcomeOf as outcome } from "./support.js";

// The core's first fit starts at a search hint (every page below it in
// use) and reads a few bitmap words before it falls back to the summary
// trees. These cases aim at that fast path's edges: a hint word too
// fragmented for the request, a fit carried across a word or a chunk
// boundary, a free below the hint, and more fragmented words than the fast
// path reads. Every result and the heap's free runs must match the
// reference engine, which keeps a sorted list of free runs instead.
//
// A cache of one page and two orders make every stack of 8 KiB and up a
// large stack taken straight from the heap, so a stack of n pages is a
// span of n pages at the address first fit picks.
const PAGE = 8192;
const MiB = 2 ** 20;
const POLICY = { stackCacheBytes: PAGE, numStackOrders: 2 };

class Pair {
  readonly ts: Engine;
  readonly wasm: Engine;
  private readonly held = new Map<number, { ts: Stack; wasm: Stack }>();

  constructor(options: EngineOptions) {
    const all = { ...options, policy: POLICY };
    this.ts = createReferenceEngine(resolveConfig({ ...all, engine: "ts" }));
    this.wasm = createWasmEngine(resolveConfig(all), { build: "debug" });
  }

  /** Allocates `pages` pages on both; returns the first page, or -1 when refused. */
  alloc(pages: number): number {
    const ts = outcome(() => this.ts.stackalloc(pages * PAGE, "noP"));
    const wasm = outcome(() => this.wasm.stackalloc(pages * PAGE, "noP"));
    expect(wasm).toEqual(ts);
    this.checkHeap();
    if (!("ok" in ts)) return -1;
    const page = (ts.ok.lo - ARENA_BASE_ADDRESS) / PAGE;
    this.held.set(page, { ts: ts.ok, wasm: (wasm as { ok: Stack }).ok });
    return page;
  }

  free(page: number): void {
    const stacks = this.held.get(page);
    if (stacks === undefined) throw new Error(`no stack at page ${page}`);
    this.held.delete(page);
    this.ts.stackfree(stacks.ts, "noP");
    this.wasm.stackfree(stacks.wasm, "noP");
    this.checkHeap();
  }

  /** Pages of stacks held, lowest first. */
  heldPages(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  checkHeap(): void {
    expect(this.wasm.snapshot().heap).toEqual(this.ts.snapshot().heap);
  }
}

/** Fills pages [0, n) with one-page stacks. */
function fillPages(pair: Pair, n: number): void {
  for (let i = 0; i < n; i++) expect(pair.alloc(1)).toBe(i);
}

describe("first fit from the search hint matches the reference heap", () => {
  it("skips a hint word whose holes are too short, then uses a later word", () => {
    const pair = new Pair({});
    fillPages(pair, 128);
    for (let page = 1; page < 64; page += 2) pair.free(page);
    // Word 0 holds 32 one-page holes, word 1 is full: two pages go at 128.
    expect(pair.alloc(2)).toBe(128);
    // One page still takes the lowest hole.
    expect(pair.alloc(1)).toBe(1);
  });

  it("falls back to the trees past more fragmented words than it reads", () => {
    const pair = new Pair({});
    fillPages(pair, 1024);
    for (let page = 1; page < 1023; page += 2) pair.free(page);
    expect(pair.alloc(2)).toBe(1024);
    // A two-page hole far above the hint is still the lowest fit.
    pair.free(700);
    expect(pair.alloc(2)).toBe(699);
  });

  it("takes a run carried across a bitmap word boundary", () => {
    const pair = new Pair({});
    fillPages(pair, 256);
    for (let page = 60; page < 68; page++) pair.free(page);
    expect(pair.alloc(8)).toBe(60);
    // From the top two pages of word 2 into word 3, then on into word 4.
    for (let page = 190; page < 256; page++) pair.free(page);
    expect(pair.alloc(64)).toBe(190);
    pair.free(190);
    expect(pair.alloc(128)).toBe(190);
  });

  it("serves a free below the hint before anything above it", () => {
    const pair = new Pair({});
    fillPages(pair, 300);
    pair.free(10);
    pair.free(250);
    expect(pair.alloc(1)).toBe(10);
    expect(pair.alloc(1)).toBe(250);
    expect(pair.alloc(1)).toBe(300);
  });

  it("takes runs that cross a chunk boundary and maps the next chunk", () => {
    // Two chunks and a few pages, so the third chunk is cut by the limit.
    const pair = new Pair({ heapLimitBytes: 128 * MiB + 5 * PAGE });
    let page = 0;
    for (let pages = 4096; pages >= 2; pages >>= 1) {
      expect(pair.alloc(pages)).toBe(page);
      page += pages;
    }
    // Pages 8190 and 8191 end chunk 0; four pages reach into chunk 1.
    expect(pair.alloc(4)).toBe(8190);
    pair.free(8190);
    expect(pair.alloc(2)).toBe(8190);
    expect(pair.alloc(1)).toBe(8192);
    pair.free(8188);
    pair.free(8190);
    // 8188..8191 and 8193.. make one run across the boundary, 8192 aside.
    expect(pair.alloc(4)).toBe(8188);
    expect(pair.alloc(8192)).toBe(8193);
    // What is left: pages 16385..16388, the last below the limit.
    expect(pair.alloc(8)).toBe(-1);
    expect(pair.alloc(4)).toBe(16385);
    expect(pair.alloc(1)).toBe(-1);
  });

  it("agrees on random allocs and frees of 1 to 512 pages", () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ log2Pages: fc.integer({ min: 0, max: 9 }) }) },
      { weight: 5, arbitrary: fc.record({ free: fc.nat() }) },
    );
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 300, size: "max" }),
      (ops) => {
        const pair = new Pair({ heapLimitBytes: 128 * MiB + 37 * PAGE });
        for (const o of ops) {
          if ("log2Pages" in o) {
            pair.alloc(2 ** o.log2Pages);
          } else {
            const held = pair.heldPages();
            if (held.length > 0) pair.free(held[o.free % held.length]!);
          }
        }
        expect(pair.wasm.snapshot()).toEqual(pair.ts.snapshot());
      }), { numRuns: 25, seed: 7 });
  });
});

// The core marks the bitmap at once but brings its summary trees up to
// date only when something reads them: a first fit the hint scan cannot
// serve, or an out-of-memory check the unmapped pages alone cannot answer.
// These cases make a stale tree give a different answer than a fresh one.
describe("summaries brought up to date on demand match the reference heap", () => {
  it("finds a big hole freed since the trees were last read", () => {
    const pair = new Pair({ heapLimitBytes: 192 * MiB });
    // 256 spans of 64 pages fill chunks 0 and 1.
    for (let i = 0; i < 256; i++) expect(pair.alloc(64)).toBe(i * 64);
    // Holes of 64 pages in both chunks, none long enough for 128.
    for (let i = 1; i < 255; i += 2) pair.free(i * 64);
    expect(pair.alloc(128)).toBe(16384);
    // Two neighbours high in chunk 1 join into the lowest 128-page hole;
    // the hint scan reads too few words to see it, the trees must.
    pair.free(200 * 64);
    expect(pair.alloc(128)).toBe(199 * 64);
    expect(pair.alloc(64)).toBe(64);
  });

  it("refuses exactly when the longest run is short, near the limit", () => {
    // One chunk and ten pages: chunk 1 stays unmapped until a run needs it.
    const pair = new Pair({ heapLimitBytes: 64 * MiB + 10 * PAGE });
    let page = 0;
    for (let pages = 4096; pages >= 16; pages >>= 1) {
      expect(pair.alloc(pages)).toBe(page);
      page += pages;
    }
    // Free: pages 8176..8191 and the ten unmapped above, 26 in one run.
    expect(pair.alloc(32)).toBe(-1);
    expect(pair.alloc(16)).toBe(8176);
    // A hole freed since the last check must count at once.
    pair.free(0);
    expect(pair.alloc(8192)).toBe(-1);
    expect(pair.alloc(4096)).toBe(0);
    // Ten unmapped pages are enough without looking at the trees.
    expect(pair.alloc(8)).toBe(8192);
    expect(pair.alloc(4)).toBe(-1);
    expect(pair.alloc(2)).toBe(8200);
    expect(pair.alloc(1)).toBe(-1);
    pair.free(4096);
    expect(pair.alloc(2048)).toBe(4096);
  });
});
