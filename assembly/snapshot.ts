// Walkers that write the whole state, every list in order, into a scratch
// buffer of f64 values the host decodes into a Snapshot (src/types.ts).
// Addresses are written as slot or page numbers; the host converts them.
// Only snapshot() uses this file; no walker changes the model.
//
// Stream, in order (n = a count, then that many items):
//   gcPhase, startingStackSize, mappedPages
//   n free runs: basePage, pages
//   n spans by base: basePage, pages, order (-1 large), allocCount, place,
//     n free stacks: slot
//   numOrders lists of stackpool: n, basePage...
//   n stackLarge lists: n, basePage...
//   procs: n; per P: per order: bytes, n, slot...; then n, G index...
//   gFreeStack: n, G index...; gFreeNoStack: n, G index...
//   n Gs: goid, status (1 live, 2 dead), p, slot, stackBytes, usedBytes
//   n raw stacks by address: slot, bytes

import {
  FIXED_STACK, GC_PHASE, GFREE_NOSTACK, GFREE_STACK, G_COUNT, LARGE_LISTS,
  MAPPED_PAGES, NEXT_GOID, NUM_ORDERS, PROCS, SCRATCH, SCRATCH_BYTES, SCRATCH_USED,
  SLOTS_PER_PAGE_SHIFT, STARTING_STACK, globalAddr, globalF64, globalU32, orderBytes,
  setGlobalU32,
} from "./globals";
import { ENTRY_G_MASK, entryAddr, listCount, listEntries } from "./glist";
import {
  G_LIVE, gGoid, gP, gStackBytes, gStackSlot, gStatus, gUsedBytes,
} from "./goroutines";
import { OWNER_RAW, SLOT_OUT_BIT, SLOT_OWNER_MASK, pageSlot, pageSpan, slotWord } from "./layout";
import { reserveBytes } from "./memory";
import { pageIsFree } from "./pagealloc";
import { cacheBytes, cacheHead, pGFreeList } from "./precords";
import {
  LARGE_ORDER, PLACE_INUSE, largeList, listFirst, poolList, spanAllocCount,
  spanBasePage, spanFreeHead, spanNext, spanOrder, spanPages, spanPlace,
} from "./spans";

const MIN_SCRATCH_BYTES: u32 = 1 << 16;

/**
 * Appends one value to the scratch buffer, moving it to a block twice as
 * large when full.
 * Limitation: an outgrown buffer is not reused (memory.ts never frees), so
 * snapshots of a large state leave up to the largest buffer's size unused.
 */
function emit(value: f64): void {
  const used = globalU32(SCRATCH_USED);
  const capacity = globalU32(SCRATCH_BYTES);
  if (((used + 1) << 3) > capacity) {
    const grown = capacity < MIN_SCRATCH_BYTES ? MIN_SCRATCH_BYTES : capacity << 1;
    const addr = reserveBytes(grown as usize);
    memory.copy(addr, globalU32(SCRATCH) as usize, (used as usize) << 3);
    setGlobalU32(SCRATCH, addr as u32);
    setGlobalU32(SCRATCH_BYTES, grown);
  }
  store<f64>((globalU32(SCRATCH) as usize) + ((used as usize) << 3), value);
  setGlobalU32(SCRATCH_USED, used + 1);
}

/** Reserves a count to fill in later; returns its index. */
function emitCountLater(): u32 {
  const index = globalU32(SCRATCH_USED);
  emit(0);
  return index;
}

function patchCount(index: u32, count: u32): void {
  store<f64>((globalU32(SCRATCH) as usize) + ((index as usize) << 3), count as f64);
}

function walkFreeRuns(): void {
  const at = emitCountLater();
  const mapped = globalU32(MAPPED_PAGES);
  let runs: u32 = 0;
  let page: u32 = 0;
  while (page < mapped) {
    if (!pageIsFree(page)) { page++; continue; }
    const first = page;
    while (page < mapped && pageIsFree(page)) page++;
    emit(first as f64);
    emit((page - first) as f64);
    runs++;
  }
  patchCount(at, runs);
}

/** Emits a stack list linked through slot words (slot + 1, 0 = end). */
function walkSlotList(head: u32): void {
  const at = emitCountLater();
  let count: u32 = 0;
  for (let link = head; link != 0; link = slotWord(link - 1)) {
    emit((link - 1) as f64);
    count++;
  }
  patchCount(at, count);
}

function walkSpans(): void {
  const at = emitCountLater();
  const mapped = globalU32(MAPPED_PAGES);
  let spans: u32 = 0;
  let page: u32 = 0;
  while (page < mapped) {
    const span = pageSpan(page);
    if (span == 0) { page++; continue; }
    const order = spanOrder(span);
    emit(spanBasePage(span) as f64);
    emit(spanPages(span) as f64);
    emit(order == LARGE_ORDER ? -1 : (order as f64));
    emit(spanAllocCount(span) as f64);
    emit(spanPlace(span) as f64);
    walkSlotList(spanFreeHead(span));
    spans++;
    page += spanPages(span);
  }
  patchCount(at, spans);
}

function walkSpanList(list: usize): void {
  const at = emitCountLater();
  let count: u32 = 0;
  for (let span = listFirst(list); span != 0; span = spanNext(span)) {
    emit(spanBasePage(span) as f64);
    count++;
  }
  patchCount(at, count);
}

/** Emits a free-G list (glist.ts) from its head, the top entry, down. */
function walkGList(header: usize): void {
  const count = listCount(header);
  emit(count as f64);
  const entries = listEntries(header);
  for (let index = count; index > 0; index--) {
    emit((load<u32>(entryAddr(entries, index - 1)) & ENTRY_G_MASK) as f64);
  }
}

function walkProcs(): void {
  const procs = globalU32(PROCS);
  const orders = globalU32(NUM_ORDERS);
  emit(procs as f64);
  for (let p: u32 = 0; p < procs; p++) {
    for (let order: u32 = 0; order < orders; order++) {
      emit(cacheBytes(p, order) as f64);
      walkSlotList(cacheHead(p, order));
    }
    walkGList(pGFreeList(p));
  }
}

function walkGs(): void {
  const count = globalU32(G_COUNT);
  emit(count as f64);
  for (let g: u32 = 0; g < count; g++) {
    emit(gGoid(g));
    emit(gStatus(g) as f64);
    emit(gP(g) as f64);
    emit(gStackSlot(g) as f64);
    emit(gStackBytes(g) as f64);
    emit(gUsedBytes(g) as f64);
  }
}

/** Whether the slot word marks a stack handed out by raw stackalloc. */
function isRawStack(slot: u32): bool {
  const word = slotWord(slot);
  return (word & SLOT_OUT_BIT) != 0 && (word & SLOT_OWNER_MASK) == OWNER_RAW;
}

function walkRawStacks(): void {
  const at = emitCountLater();
  const mapped = globalU32(MAPPED_PAGES);
  const slotsPerPageShift = globalU32(SLOTS_PER_PAGE_SHIFT);
  const fixed = globalU32(FIXED_STACK);
  let count: u32 = 0;
  let page: u32 = 0;
  while (page < mapped) {
    const span = pageSpan(page);
    if (span == 0) { page++; continue; }
    const first = pageSlot(spanBasePage(span));
    const order = spanOrder(span);
    if (order == LARGE_ORDER) {
      if (spanPlace(span) == PLACE_INUSE && isRawStack(first)) {
        emit(first as f64);
        emit((spanPages(span) * fixed << slotsPerPageShift) as f64);
        count++;
      }
    } else {
      const slots = spanPages(span) << slotsPerPageShift;
      for (let slot = first; slot < first + slots; slot += 1 << order) {
        if (!isRawStack(slot)) continue;
        emit(slot as f64);
        emit(orderBytes(order) as f64);
        count++;
      }
    }
    page += spanPages(span);
  }
  patchCount(at, count);
}

/** Writes the whole state; returns the number of f64 values written. */
export function snapshot(): u32 {
  setGlobalU32(SCRATCH_USED, 0);
  emit(globalU32(GC_PHASE) as f64);
  emit(globalU32(STARTING_STACK) as f64);
  emit(globalU32(MAPPED_PAGES) as f64);
  walkFreeRuns();
  walkSpans();
  const orders = globalU32(NUM_ORDERS);
  for (let order: u32 = 0; order < orders; order++) walkSpanList(poolList(order));
  const largeLists = globalU32(LARGE_LISTS);
  emit(largeLists as f64);
  for (let i: u32 = 0; i < largeLists; i++) walkSpanList(largeList(i));
  walkProcs();
  walkGList(globalAddr(GFREE_STACK));
  walkGList(globalAddr(GFREE_NOSTACK));
  walkGs();
  walkRawStacks();
  return globalU32(SCRATCH_USED);
}

/** Address of the scratch buffer the last snapshot wrote. */
export function scratchAddress(): usize {
  return globalU32(SCRATCH) as usize;
}

/**
 * Writes what a host needs to address live goroutines by id: the goroutine
 * id the next newproc gets, GOMAXPROCS, the live count, then (goid, G
 * index) per live goroutine in index order.
 * @returns the number of f64 values written to the scratch buffer
 */
export function liveGoroutines(): u32 {
  setGlobalU32(SCRATCH_USED, 0);
  emit(globalF64(NEXT_GOID) + 1);
  emit(globalU32(PROCS) as f64);
  const at = emitCountLater();
  const count = globalU32(G_COUNT);
  let live: u32 = 0;
  for (let g: u32 = 0; g < count; g++) {
    if (gStatus(g) != G_LIVE) continue;
    emit(gGoid(g));
    emit(g as f64);
    live++;
  }
  patchCount(at, live);
  return globalU32(SCRATCH_USED);
}
