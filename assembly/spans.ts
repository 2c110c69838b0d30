// Span records (the runtime's mspan, as far as stacks use it) and the
// doubly linked span lists stackpool and stackLarge are made of (mSpanList:
// insert at the front, remove anywhere). Records sit in 64 KiB blocks found
// through the span directory; ids start at 1 so 0 can end a list. A freed
// record is recycled through a list linked by its `next` field.
//
// Span record (32 bytes)
// +0  u32 basePage     first page of the span
// +4  u32 pages        length in pages
// +8  u32 freeHead     manualFreeList: first free stack's slot + 1, 0 = none
// +12 u32 allocCount   stacks handed out from the span
// +16 u32 next         next span id on its list (or recycled list), 0 = end
// +20 u32 prev         previous span id on its list, 0 = first
// +24 u32 order        stack order of a pool span, LARGE_ORDER otherwise
// +28 u32 place        PLACE_* below

import { reserveBytes } from "./memory";
import {
  SPAN_DIR, SPAN_HIGH, SPAN_RECYCLED, globalU32, setGlobalU32,
} from "./globals";
import { LARGE_OFF, POOL_OFF, STATIC_BASE } from "./layout";

export const SPAN_BYTES: usize = 32;
const SPANS_PER_BLOCK_SHIFT: u32 = 11;
const SPANS_PER_BLOCK_MASK: u32 = (1 << SPANS_PER_BLOCK_SHIFT) - 1;
const SPAN_BLOCK_BYTES: usize = SPAN_BYTES << SPANS_PER_BLOCK_SHIFT;

export const LARGE_ORDER: u32 = 0xff;
/** On stackpool[order]: it has free stacks. */
export const PLACE_POOL: u32 = 0;
/** A pool span with no free stack, on no list. */
export const PLACE_FULL: u32 = 1;
/** A large span parked in stackLarge during GC. */
export const PLACE_LARGE: u32 = 2;
/** A large span holding a stack. */
export const PLACE_INUSE: u32 = 3;

/** Directory entries needed so `maxSpans` ids fit. */
export function spanDirEntries(maxSpans: u32): u32 {
  return (maxSpans >> SPANS_PER_BLOCK_SHIFT) + 1;
}

// @ts-ignore: decorator
@inline function spanAddr(span: u32): usize {
  const block = load<u32>(globalU32(SPAN_DIR) + ((span >> SPANS_PER_BLOCK_SHIFT) << 2));
  return (block as usize) + ((span & SPANS_PER_BLOCK_MASK) as usize) * SPAN_BYTES;
}

// @ts-ignore: decorator
@inline export function spanBasePage(span: u32): u32 { return load<u32>(spanAddr(span)); }
// @ts-ignore: decorator
@inline export function spanPages(span: u32): u32 { return load<u32>(spanAddr(span), 4); }
// @ts-ignore: decorator
@inline export function spanFreeHead(span: u32): u32 { return load<u32>(spanAddr(span), 8); }
// @ts-ignore: decorator
@inline export function setSpanFreeHead(span: u32, link: u32): void {
  store<u32>(spanAddr(span), link, 8);
}
// @ts-ignore: decorator
@inline export function spanAllocCount(span: u32): u32 { return load<u32>(spanAddr(span), 12); }
// @ts-ignore: decorator
@inline export function setSpanAllocCount(span: u32, count: u32): void {
  store<u32>(spanAddr(span), count, 12);
}
// @ts-ignore: decorator
@inline export function spanNext(span: u32): u32 { return load<u32>(spanAddr(span), 16); }
// @ts-ignore: decorator
@inline function setSpanNext(span: u32, next: u32): void { store<u32>(spanAddr(span), next, 16); }
// @ts-ignore: decorator
@inline function spanPrev(span: u32): u32 { return load<u32>(spanAddr(span), 20); }
// @ts-ignore: decorator
@inline function setSpanPrev(span: u32, prev: u32): void { store<u32>(spanAddr(span), prev, 20); }
// @ts-ignore: decorator
@inline export function spanOrder(span: u32): u32 { return load<u32>(spanAddr(span), 24); }
// @ts-ignore: decorator
@inline export function setSpanOrder(span: u32, order: u32): void {
  store<u32>(spanAddr(span), order, 24);
}
// @ts-ignore: decorator
@inline export function spanPlace(span: u32): u32 { return load<u32>(spanAddr(span), 28); }
// @ts-ignore: decorator
@inline export function setSpanPlace(span: u32, place: u32): void {
  store<u32>(spanAddr(span), place, 28);
}

/** A fresh span record for pages [basePage, basePage + pages). */
export function spanNew(basePage: u32, pages: u32): u32 {
  let span = globalU32(SPAN_RECYCLED);
  if (span != 0) {
    setGlobalU32(SPAN_RECYCLED, spanNext(span));
  } else {
    span = globalU32(SPAN_HIGH) + 1;
    setGlobalU32(SPAN_HIGH, span);
    const dirEntry = globalU32(SPAN_DIR) + ((span >> SPANS_PER_BLOCK_SHIFT) << 2);
    if (load<u32>(dirEntry) == 0) store<u32>(dirEntry, reserveBytes(SPAN_BLOCK_BYTES) as u32);
  }
  const addr = spanAddr(span);
  store<u32>(addr, basePage);
  store<u32>(addr, pages, 4);
  store<u32>(addr, 0, 8);
  store<u32>(addr, 0, 12);
  store<u32>(addr, 0, 16);
  store<u32>(addr, 0, 20);
  store<u32>(addr, LARGE_ORDER, 24);
  store<u32>(addr, PLACE_INUSE, 28);
  return span;
}

/** Returns a span record for reuse (after freeManual). */
export function spanRecycle(span: u32): void {
  setSpanNext(span, globalU32(SPAN_RECYCLED));
  setGlobalU32(SPAN_RECYCLED, span);
}

/** Address of the head word of stackpool[order]. */
// @ts-ignore: decorator
@inline export function poolList(order: u32): usize {
  return STATIC_BASE + POOL_OFF + ((order as usize) << 2);
}

/** Address of the head word of stackLarge.free[log2Pages]. */
// @ts-ignore: decorator
@inline export function largeList(log2Pages: u32): usize {
  return STATIC_BASE + LARGE_OFF + ((log2Pages as usize) << 2);
}

// @ts-ignore: decorator
@inline export function listFirst(list: usize): u32 { return load<u32>(list); }

/** mSpanList.insert: puts the span at the front of the list. */
export function listInsert(list: usize, span: u32, place: u32): void {
  const first = load<u32>(list);
  setSpanNext(span, first);
  setSpanPrev(span, 0);
  if (first != 0) setSpanPrev(first, span);
  store<u32>(list, span);
  setSpanPlace(span, place);
}

/** mSpanList.remove: unlinks the span; `place` is where it goes next. */
export function listRemove(list: usize, span: u32, place: u32): void {
  const prev = spanPrev(span);
  const next = spanNext(span);
  if (prev != 0) setSpanNext(prev, next);
  else store<u32>(list, next);
  if (next != 0) setSpanPrev(next, prev);
  setSpanNext(span, 0);
  setSpanPrev(span, 0);
  setSpanPlace(span, place);
}
