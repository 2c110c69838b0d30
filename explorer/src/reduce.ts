// Turns a full engine snapshot into the View the page draws: span cells
// grouped by order (capped per section), the heap's free runs, per-P caches
// and free-G lists, and totals the page and the tests check against stats.

import { PAGE_BYTES } from "../../src/profiles.js";
import type { EngineConfig, Snapshot, SpanSnapshot } from "../../src/types.js";
import type { ProcView, SpanCells, View } from "./protocol.js";
import { SPAN_PLACES } from "./protocol.js";

/** Most heap free runs a view carries. */
const MAX_FREE_RUNS = 4096;

function cellsOf(spans: SpanSnapshot[], cap: number): SpanCells {
  const n = Math.min(spans.length, cap);
  const cells: SpanCells = {
    total: spans.length,
    base: new Float64Array(n),
    pages: new Uint32Array(n),
    allocCount: new Uint32Array(n),
    free: new Uint32Array(n),
    place: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const span = spans[i]!;
    cells.base[i] = span.base;
    cells.pages[i] = span.pages;
    cells.allocCount[i] = span.allocCount;
    cells.free[i] = span.freeStacks.length;
    cells.place[i] = SPAN_PLACES.indexOf(span.place);
  }
  return cells;
}

/**
 * Reduces a snapshot for drawing.
 * @param maxCellsPerSection span cells kept per order and for large spans;
 *   the totals in `sums` always cover every span.
 */
export function reduceSnapshot(snap: Snapshot, config: EngineConfig, tick: number,
  maxCellsPerSection: number): Omit<View, "costMs"> {
  const orders = config.policy.numStackOrders;
  const fixed = config.platform.fixedStackBytes;
  const orderBytes = Array.from({ length: orders }, (_, k) => fixed << k);

  const byOrder: SpanSnapshot[][] = Array.from({ length: orders + 1 }, () => []);
  let spanBytes = 0;
  let poolFreeBytes = 0;
  let largeCacheBytes = 0;
  for (const span of snap.spans) {
    const bytes = span.pages * PAGE_BYTES;
    spanBytes += bytes;
    if (span.order >= 0) {
      byOrder[span.order]!.push(span);
      poolFreeBytes += span.freeStacks.length * orderBytes[span.order]!;
    } else {
      byOrder[orders]!.push(span);
      if (span.place === "stackLarge") largeCacheBytes += bytes;
    }
  }

  const stackBytes = (index: number): number => {
    const g = snap.gs[index];
    return g === undefined ? 0 : g.hi - g.lo;
  };
  let pCacheBytes = 0;
  let deadGStackBytes = 0;
  const procs: ProcView[] = snap.procs.map((proc) => {
    const cacheBytes = proc.stackcache.map((c) => c.bytes);
    for (const b of cacheBytes) pCacheBytes += b;
    let withStack = 0;
    let bytes = 0;
    for (const index of proc.gFree) {
      const size = stackBytes(index);
      if (size > 0) withStack++;
      bytes += size;
    }
    deadGStackBytes += bytes;
    return { cacheBytes, gFree: proc.gFree.length, gFreeWithStack: withStack,
      gFreeStackBytes: bytes };
  });
  let withStackBytes = 0;
  for (const index of snap.gFreeStack) withStackBytes += stackBytes(index);
  deadGStackBytes += withStackBytes;

  const base = snap.heap.arenaBase;
  const runs = snap.heap.freeRuns.slice(0, MAX_FREE_RUNS);
  return {
    tick,
    stats: snap.stats,
    gcPhase: snap.gcPhase,
    orderBytes,
    sections: byOrder.map((spans) => cellsOf(spans, maxCellsPerSection)),
    heapPages: snap.heap.pages,
    freeRunStart: Uint32Array.from(runs, (r) => (r.base - base) / PAGE_BYTES),
    freeRunPages: Uint32Array.from(runs, (r) => r.pages),
    freeRunTotal: snap.heap.freeRuns.length,
    procs,
    global: { withStack: snap.gFreeStack.length, withStackBytes,
      noStack: snap.gFreeNoStack.length },
    sums: { spanBytes, poolFreeBytes, largeCacheBytes, pCacheBytes, deadGStackBytes },
  };
}
