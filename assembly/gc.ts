// The stack side of a GC cycle (runtime/mgc.go, mgcmark.go, stack.go):
// markrootFreeGStacks and the stack scan with shrinkstack at the start,
// the adaptive starting size, freeStackSpans and clearing the P caches at
// the end. The operations' argument checks are in operations.ts.

import {
  ADAPTIVE, FIXED_STACK, GC_PHASE, G_COUNT, MAX_STACK, NUM_ORDERS,
  PHASE_MARK, PHASE_MARKTERM, PHASE_OFF, PROCS, SCAN_BYTES, SCAN_COUNT,
  STACK_GUARD, STACK_LIMIT, LARGE_LISTS, globalF64,
  globalU32, setGlobalF64, setGlobalU32,
} from "./globals";
import { copystack } from "./copystack";
import { freeManual } from "./heap";
import { G_LIVE, gRecord, gStackBytes, gStatus, gUsedBytes } from "./goroutines";
import { markrootFreeGStacks } from "./gfree";
import { stackcacheClear } from "./stackcache";
import { releaseEmptySpan } from "./stackpool";
import { setStartingStack, worstCasePages } from "./stackalloc";
import {
  PLACE_INUSE, largeList, listFirst, listRemove, poolList, spanAllocCount,
  spanNext, spanPages,
} from "./spans";
import {
  ST_GC_CYCLES, ST_LARGE_CACHE, ST_SHRINK_COPIES, addStat,
} from "./stats";
import { PAGE_BYTES } from "./layout";

/** shrinkstack's test: half the stack still holds the use with room. */
function shouldShrink(g: u32): bool {
  const sizeBytes = gStackBytes(g);
  const half = sizeBytes >> 1;
  if (half < globalU32(FIXED_STACK)) return false;
  return (gUsedBytes(g) as u64) + (globalU32(STACK_LIMIT) as u64)
    < ((sizeBytes >> 2) as u64);
}

/** Worst-case pages the scan's shrinks could take (out-of-memory check). */
export function shrinkWorstPages(): f64 {
  let pages: f64 = 0;
  const count = globalU32(G_COUNT);
  for (let g: u32 = 0; g < count; g++) {
    if (gStatus(g) == G_LIVE && shouldShrink(g)) {
      pages += worstCasePages(gStackBytes(g) >> 1) as f64;
    }
  }
  return pages;
}

/** gcStart's body: phase mark, free global G stacks, scan and shrink. */
export function gcStartOn(p: u32): void {
  setGlobalU32(GC_PHASE, PHASE_MARK);
  markrootFreeGStacks(p);
  const count = globalU32(G_COUNT);
  for (let g: u32 = 0; g < count; g++) {
    if (gStatus(g) != G_LIVE) continue;
    setGlobalF64(SCAN_BYTES, globalF64(SCAN_BYTES) + (gUsedBytes(g) as f64));
    setGlobalF64(SCAN_COUNT, globalF64(SCAN_COUNT) + 1);
    if (shouldShrink(g)) {
      copystack(g, gRecord(g), gStackBytes(g) >> 1, p);
      addStat(ST_SHRINK_COPIES, 1);
    }
  }
}

/** gcComputeStartingStackSize: average scanned use plus the guard. */
function computeStartingStackSize(): void {
  const count = globalF64(SCAN_COUNT);
  const fixed = globalU32(FIXED_STACK) as f64;
  let starting = fixed;
  if (count > 0) {
    let average = Math.floor(globalF64(SCAN_BYTES) / count)
      + (globalU32(STACK_GUARD) as f64);
    if (average < fixed) average = fixed;
    const max = globalU32(MAX_STACK) as f64;
    if (average > max) average = max;
    starting = 1;
    while (starting < average) starting *= 2;
  }
  setStartingStack(starting as u32);
}

/** freeStackSpans: empty pool spans and every large-cache span go back. */
function freeStackSpans(): void {
  const orders = globalU32(NUM_ORDERS);
  for (let order: u32 = 0; order < orders; order++) {
    const list = poolList(order);
    let span = listFirst(list);
    while (span != 0) {
      const next = spanNext(span);
      if (spanAllocCount(span) == 0) releaseEmptySpan(list, span);
      span = next;
    }
  }
  const lists = globalU32(LARGE_LISTS);
  for (let log2Pages: u32 = 0; log2Pages < lists; log2Pages++) {
    const list = largeList(log2Pages);
    let span = listFirst(list);
    while (span != 0) {
      const next = spanNext(span);
      listRemove(list, span, PLACE_INUSE);
      addStat(ST_LARGE_CACHE, -((spanPages(span) * PAGE_BYTES) as f64));
      freeManual(span);
      span = next;
    }
  }
}

/** gcFinish's body: starting size, phase off, return spans, clear caches. */
export function gcFinishOn(): void {
  setGlobalU32(GC_PHASE, PHASE_MARKTERM);
  if (globalU32(ADAPTIVE) != 0) computeStartingStackSize();
  setGlobalF64(SCAN_BYTES, 0);
  setGlobalF64(SCAN_COUNT, 0);
  setGlobalU32(GC_PHASE, PHASE_OFF);
  freeStackSpans();
  const procs = globalU32(PROCS);
  for (let p: u32 = 0; p < procs; p++) stackcacheClear(p);
  addStat(ST_GC_CYCLES, 1);
}
