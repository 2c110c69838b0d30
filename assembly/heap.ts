// The page heap under the stack spans: mheap.allocManual / freeManual with
// lowest-address first fit and coalescing (pagealloc.ts finds and marks the
// pages), the arena mapped in 64 MiB chunks up to the heap limit, the
// page-to-span table behind spanOfUnchecked, and the growth of the arrays
// of pageSpan and slot words (layout.ts) as chunks are mapped.

import { invariant } from "./checks";
import { MSG_INVALID_FREE, MSG_NO_FIT } from "./errors";
import {
  ADDR_CAP_CHUNKS, CHUNK_DIR, LIMIT_CHUNKS, LIMIT_PAGES, MAPPED_CHUNKS,
  MAPPED_PAGES, PAGE_SPANS_BASE, SLOTS_BASE, SLOTS_PER_PAGE_SHIFT, TOP_TREE,
  TREE_LEAVES, globalU32, setGlobalU32,
} from "./globals";
import {
  ADDR_WORD_SHIFT, CHUNK_META_BYTES, CHUNK_PAGES, CHUNK_PAGES_SHIFT,
  NODE_BYTES, PAGE_BYTES, pageSpanAddr, setChunkMeta,
} from "./layout";
import { moveBytes, reserveBytes } from "./memory";
import { NO_FIT, chunkInit, firstFit, markPages, topTreeInit } from "./pagealloc";
import { spanAllocCount, spanBasePage, spanNew, spanPages, spanRecycle } from "./spans";
import {
  ST_HEAP_PAGES, ST_SPAN_ALLOCS, ST_SPAN_FREES, ST_STACK_INUSE, addStat, setStat,
} from "./stats";

/** Sets up an empty arena of `limitPages` pages, nothing mapped. */
export function heapInit(limitPages: u32): void {
  const chunks = (limitPages + CHUNK_PAGES - 1) >> CHUNK_PAGES_SHIFT;
  let leaves: u32 = 1;
  while (leaves < chunks) leaves <<= 1;
  setGlobalU32(LIMIT_PAGES, limitPages);
  setGlobalU32(LIMIT_CHUNKS, chunks);
  setGlobalU32(TREE_LEAVES, leaves);
  setGlobalU32(CHUNK_DIR, reserveBytes((chunks as usize) << 2) as u32);
  setGlobalU32(TOP_TREE, reserveBytes((2 * leaves as usize) * NODE_BYTES) as u32);
  topTreeInit();
}

/** Bytes of the pageSpan array for `chunks` chunks. */
function pageSpanBytes(chunks: u32): usize {
  return ((chunks as usize) << CHUNK_PAGES_SHIFT) << ADDR_WORD_SHIFT;
}

/** Bytes of the slot word array for `chunks` chunks. */
function slotBytes(chunks: u32): usize {
  const slotsPerChunkShift = CHUNK_PAGES_SHIFT + globalU32(SLOTS_PER_PAGE_SHIFT);
  return ((chunks as usize) << slotsPerChunkShift) << ADDR_WORD_SHIFT;
}

/**
 * Gives the pageSpan and slot word arrays room for at least `chunks`
 * chunks: twice the room they had, at most the heap limit's chunks. The
 * mapped chunks' words move to the new blocks; the rest is zero, as a
 * fresh chunk's words must be.
 * The blocks left behind go to memory.ts's free blocks, for other tables
 * (and chunk metadata) to reuse. The final block has room for under twice
 * the chunks mapped (or the limit's); its untouched tail is not resident.
 * Limitation: a left-behind block nothing reuses stays reserved, so in the
 * worst case these arrays take up to four times the bytes the mapped arena
 * needs, which would lower the largest arena that fits in wasm32's 4 GiB
 * (from about 1.6 TiB to about 0.5 TiB of simulated arena with 2 KiB
 * slots).
 */
function growAddrArrays(chunks: u32): void {
  const mapped = globalU32(MAPPED_CHUNKS);
  const had = globalU32(ADDR_CAP_CHUNKS);
  let cap = had << 1;
  if (cap < chunks) cap = chunks;
  const limit = globalU32(LIMIT_CHUNKS);
  if (cap > limit) cap = limit;
  setGlobalU32(PAGE_SPANS_BASE, moveBytes(globalU32(PAGE_SPANS_BASE),
    pageSpanBytes(had), pageSpanBytes(mapped), pageSpanBytes(cap)) as u32);
  setGlobalU32(SLOTS_BASE, moveBytes(globalU32(SLOTS_BASE),
    slotBytes(had), slotBytes(mapped), slotBytes(cap)) as u32);
  setGlobalU32(ADDR_CAP_CHUNKS, cap);
}

/**
 * Maps the next chunk: its pages become free at the end of the arena.
 * Hazard: may move the pageSpan and slot word arrays; its one caller,
 * allocManual, holds no address into them across it, and neither do
 * allocManual's callers (they look slot words and records up afresh).
 */
function mapChunk(): void {
  const chunk = globalU32(MAPPED_CHUNKS);
  if (chunk >= globalU32(ADDR_CAP_CHUNKS)) growAddrArrays(chunk + 1);
  const meta = reserveBytes(CHUNK_META_BYTES as usize);
  setChunkMeta(chunk, meta);
  chunkInit(meta, chunk);
  setGlobalU32(MAPPED_CHUNKS, chunk + 1);
  let mapped = (chunk + 1) << CHUNK_PAGES_SHIFT;
  if (mapped > globalU32(LIMIT_PAGES)) mapped = globalU32(LIMIT_PAGES);
  setGlobalU32(MAPPED_PAGES, mapped);
  setStat(ST_HEAP_PAGES, mapped as f64);
}

/**
 * Points pages [first, first + pages) at `span` (0 = none) in the
 * page-to-span table, one array over the arena, so a run crossing chunks
 * is one stretch of words.
 */
function setRunSpan(first: u32, pages: u32, span: u32): void {
  let addr = pageSpanAddr(first);
  const end = addr + ((pages as usize) << ADDR_WORD_SHIFT);
  for (; addr < end; addr += 1 << ADDR_WORD_SHIFT) store<u32>(addr, span);
}

/**
 * mheap.allocManual: a span on the lowest free run of at least `pages`
 * pages, mapping chunks when the run reaches past the mapped arena. The
 * caller has checked the headroom, so a run always exists.
 */
export function allocManual(pages: u32): u32 {
  const first = firstFit(pages);
  invariant(first != NO_FIT, MSG_NO_FIT);
  while (globalU32(MAPPED_PAGES) < first + pages) mapChunk();
  markPages(first, pages, false);
  const span = spanNew(first, pages);
  setRunSpan(first, pages, span);
  addStat(ST_STACK_INUSE, (pages * PAGE_BYTES) as f64);
  addStat(ST_SPAN_ALLOCS, 1);
  return span;
}

/** mheap.freeManual: the span's pages become free and merge. */
export function freeManual(span: u32): void {
  invariant(spanAllocCount(span) == 0, MSG_INVALID_FREE);
  const first = spanBasePage(span);
  const pages = spanPages(span);
  setRunSpan(first, pages, 0);
  markPages(first, pages, true);
  addStat(ST_STACK_INUSE, -((pages * PAGE_BYTES) as f64));
  addStat(ST_SPAN_FREES, 1);
  spanRecycle(span);
}
