// The memory map of the core: which region of linear memory holds what, and
// how a simulated address (ARENA_BASE_ADDRESS and up, up to terabytes) maps
// onto the few words of linear memory that stand for it. Records with their
// own diagrams live beside their accessors (globals.ts, spans.ts,
// goroutines.ts, procs layout in stackcache.ts, summary trees in
// pagealloc.ts); this file owns the regions and the address mapping.
//
// Linear memory, low to high:
//
//   0 .. __heap_base      AssemblyScript static data (check messages)
//   STATIC_BASE (16 KiB)  fixed region, one per instance:
//     +0       GLOBALS    512 B    configuration and scalar state
//     +512     STATS      256 B    every Stats field as f64 (stats.ts)
//     +768     POOL        32 B    stackpool[order] first span id, 8 orders
//     +800     LARGE      256 B    stackLarge[log2 pages] first span id, 64
//     +1056    (pad)
//     +2048    PROCS      1024 P records of P_RECORD_BYTES (stackcache.ts)
//   DYNAMIC_BASE          bump-allocated blocks (memory.ts): directories
//                         sized at init from the heap limit, then chunk
//                         metadata, the address arrays below, the span
//                         record array (spans.ts), the G record array
//                         (goroutines.ts), the free-G lists and the
//                         snapshot scratch buffer, as they are needed. A
//                         growing array moves to a new block; the old one
//                         is free for later blocks to reuse.
//
// Simulated addresses are not backed 1:1. The arena is cut in chunks of
// CHUNK_PAGES pages (64 MiB); a mapped chunk owns one metadata block,
// found through the chunk directory (pagealloc.ts reads it):
//
//   +0                 bitmap    CHUNK_WORDS u64, bit i = page i is free
//   +BITMAP_BYTES      tree      summary nodes over the bitmap words,
//                                CHUNK_NODE_BYTES each (pagealloc.ts)
//   CHUNK_META_BYTES   (end)
//
// The words looked up on every stack operation are not per chunk: each
// kind is one array over the whole mapped arena, indexed from its base
// (a GLOBALS field), so a lookup is one load of the base and an add:
//
//   PAGE_SPANS_BASE    pageSpan  u32 per page, index = page number:
//                                span id holding it, 0 = none
//   SLOTS_BASE         slots     u32 per slot, index = slot number
//                                (see below)
//
// Both arrays have room for ADDR_CAP_CHUNKS chunks; mapping a chunk past
// that moves them to blocks twice the size (heap.ts, growAddrArrays).
//
// A slot is one FixedStack-sized piece of the arena:
//   simulated address = ARENA_BASE_ADDRESS + slot * FixedStack
//   page of a slot    = slot >> slotsPerPageShift
// Slot numbers stay below 2^31 because the heap limit is at most
// 2^31 * 2048 bytes. Stacks cross to the host as slot numbers.
//
// Slot word of the first slot of a stack (other slots stay 0):
//   bit 31 = 1  the stack is handed out; bits 0..30 = owner: a G index, or
//               OWNER_RAW for a raw stackalloc
//   bit 31 = 0  the stack is not handed out; if it is on an intrusive free
//               list (span manualFreeList or P cache), bits 0..30 = next
//               slot + 1, 0 = end of list. This is the runtime's "link in
//               the first word of the free stack".

import {
  CHUNK_DIR, PAGE_SPANS_BASE, SLOTS_BASE, SLOTS_PER_PAGE_SHIFT, globalU32,
} from "./globals";

/** Bytes in a heap page (the runtime's _PageSize). */
export const PAGE_BYTES: u32 = 8192;
export const PAGE_SHIFT: u32 = 13;

/** Pages per arena chunk: 64 MiB, Go's heap arena size. */
export const CHUNK_PAGES_SHIFT: u32 = 13;
export const CHUNK_PAGES: u32 = 1 << CHUNK_PAGES_SHIFT;
export const CHUNK_PAGE_MASK: u32 = CHUNK_PAGES - 1;
/** Pages per bitmap word. */
export const WORD_PAGES_SHIFT: u32 = 6;
export const WORD_PAGES: u32 = 1 << WORD_PAGES_SHIFT;
export const CHUNK_WORDS: u32 = CHUNK_PAGES >> WORD_PAGES_SHIFT;

export const BITMAP_BYTES: u32 = CHUNK_WORDS * 8;
/** Top-tree nodes are 12 bytes: prefix, suffix, max (see pagealloc.ts). */
export const NODE_BYTES: u32 = 12;
/** Chunk-tree nodes pack the same three counts in one u64. */
export const CHUNK_NODE_BYTES: u32 = 8;
/** A chunk tree has CHUNK_WORDS leaves, so 2 * CHUNK_WORDS node slots. */
export const CHUNK_TREE_OFF: u32 = BITMAP_BYTES;
export const CHUNK_META_BYTES: u32 = CHUNK_TREE_OFF + 2 * CHUNK_WORDS * CHUNK_NODE_BYTES;
/** Bytes of a pageSpan or slot word. */
export const ADDR_WORD_SHIFT: u32 = 2;

/** Owner value of a raw stack (from the raw stackalloc operation). */
export const OWNER_RAW: u32 = 0x7fffffff;
export const SLOT_OUT_BIT: u32 = 0x80000000;
export const SLOT_OWNER_MASK: u32 = 0x7fffffff;
/** Link value that ends an intrusive stack list. */
export const NO_SLOT_LINK: u32 = 0;

/**
 * The fixed region; everything of the model is addressed from here. It is a
 * compile-time constant rather than __heap_base rounded up, so every field
 * of GLOBALS, STATS and the P records is one load at a constant address
 * (a mutable wasm global would cost a global.get and an add per access).
 * init refuses to run if the static data ever grows past it.
 */
export const STATIC_BASE: usize = 16384;
export const GLOBALS_OFF: usize = 0;
export const STATS_OFF: usize = 512;
export const POOL_OFF: usize = 768;
export const LARGE_OFF: usize = 800;
export const MAX_ORDERS: u32 = 8;
export const MAX_LARGE_LISTS: u32 = 64;
export const PROCS_OFF: usize = 2048;
export const MAX_PROCS: u32 = 1024;
/** P record size; the record's diagram is in stackcache.ts. */
export const P_RECORD_BYTES: usize = 80;
export const DYNAMIC_BASE: usize =
  (STATIC_BASE + PROCS_OFF + (MAX_PROCS as usize) * P_RECORD_BYTES + 15) & ~(15 as usize);

/** Metadata block of a mapped chunk. */
// @ts-ignore: decorator
@inline export function chunkMeta(chunk: u32): usize {
  return load<u32>(globalU32(CHUNK_DIR) + (chunk << 2));
}

// @ts-ignore: decorator
@inline export function setChunkMeta(chunk: u32, meta: usize): void {
  store<u32>(globalU32(CHUNK_DIR) + (chunk << 2), meta);
}

/**
 * Address of the pageSpan word of a mapped page.
 * Hazard: valid only until the next chunk is mapped (allocManual), which
 * may move the array; compute it again after any call that can take a span.
 */
// @ts-ignore: decorator
@inline export function pageSpanAddr(page: u32): usize {
  return (globalU32(PAGE_SPANS_BASE) as usize) + ((page as usize) << ADDR_WORD_SHIFT);
}

/** Span id holding a page (spanOfUnchecked), 0 when none. */
// @ts-ignore: decorator
@inline export function pageSpan(page: u32): u32 {
  return load<u32>(pageSpanAddr(page));
}

// @ts-ignore: decorator
@inline export function setPageSpan(page: u32, span: u32): void {
  store<u32>(pageSpanAddr(page), span);
}

/**
 * Address of the slot word of a mapped slot.
 * Hazard: valid only until the next chunk is mapped, like pageSpanAddr.
 */
// @ts-ignore: decorator
@inline export function slotWordAddr(slot: u32): usize {
  return (globalU32(SLOTS_BASE) as usize) + ((slot as usize) << ADDR_WORD_SHIFT);
}

// @ts-ignore: decorator
@inline export function slotWord(slot: u32): u32 {
  return load<u32>(slotWordAddr(slot));
}

// @ts-ignore: decorator
@inline export function setSlotWord(slot: u32, word: u32): void {
  store<u32>(slotWordAddr(slot), word);
}

/** Page of a slot. */
// @ts-ignore: decorator
@inline export function slotPage(slot: u32): u32 {
  return slot >> globalU32(SLOTS_PER_PAGE_SHIFT);
}

/** First slot of a page. */
// @ts-ignore: decorator
@inline export function pageSlot(page: u32): u32 {
  return page << globalU32(SLOTS_PER_PAGE_SHIFT);
}
