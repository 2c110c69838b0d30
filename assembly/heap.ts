// The page heap under the stack spans: mheap.allocManual / freeManual with
// lowest-address first fit and coalescing (pagealloc.ts finds and marks the
// pages), the arena mapped in 64 MiB chunks up to the heap limit, and the
// page-to-span table behind spanOfUnchecked.

import { invariant } from "./checks";
import { MSG_INVALID_FREE, MSG_NO_FIT } from "./errors";
import {
  CHUNK_DIR, LIMIT_CHUNKS, LIMIT_PAGES, MAPPED_CHUNKS, MAPPED_PAGES,
  SLOTS_PER_PAGE_SHIFT, TOP_TREE, TREE_LEAVES, globalU32, setGlobalU32,
} from "./globals";
import {
  CHUNK_PAGES, CHUNK_PAGES_SHIFT, CHUNK_PAGE_MASK, NODE_BYTES, PAGE_BYTES,
  SLOTS_OFF, pageSpanAddr, setChunkMeta,
} from "./layout";
import { reserveBytes } from "./memory";
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

/** Maps the next chunk: its pages become free at the end of the arena. */
function mapChunk(): void {
  const chunk = globalU32(MAPPED_CHUNKS);
  const slotsPerChunk = CHUNK_PAGES << globalU32(SLOTS_PER_PAGE_SHIFT);
  const meta = reserveBytes((SLOTS_OFF as usize) + ((slotsPerChunk as usize) << 2));
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
 * page-to-span table, looking the chunk's table up once per chunk rather
 * than once per page.
 */
function setRunSpan(first: u32, pages: u32, span: u32): void {
  let addr = pageSpanAddr(first);
  const end = first + pages;
  for (let page = first; page < end; page++) {
    // A run may cross into the next chunk, whose table is elsewhere.
    if ((page & CHUNK_PAGE_MASK) == 0) addr = pageSpanAddr(page);
    store<u32>(addr, span);
    addr += 4;
  }
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
