// Span records (the runtime's mspan, as far as stacks use it) and the
// doubly linked span lists stackpool and stackLarge are made of (mSpanList:
// insert at the front, remove anywhere). Records sit in one array indexed
// by span id from SPANS_BASE (a GLOBALS field), so a record is one load of
// the base and an add; ids start at 1 so 0 can end a list (record 0 is
// never used). A freed record is recycled through a list linked by its
// `next` field. When ids outgrow the array's SPANS_CAP records, spanNew
// moves it to a block twice the size (growSpans).
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

import { moveBytes } from "./memory";
import {
  LIMIT_PAGES, SPANS_BASE, SPANS_CAP, SPAN_HIGH, SPAN_RECYCLED, globalU32,
  setGlobalU32,
} from "./globals";
import { LARGE_OFF, POOL_OFF, STATIC_BASE } from "./layout";

export const SPAN_BYTES: usize = 32;
/** Records the array first has room for (64 KiB), so it grows rarely. */
const MIN_SPANS_CAP: u32 = 2048;

export const LARGE_ORDER: u32 = 0xff;
/** On stackpool[order]: it has free stacks. */
export const PLACE_POOL: u32 = 0;
/** A pool span with no free stack, on no list. */
export const PLACE_FULL: u32 = 1;
/** A large span parked in stackLarge during GC. */
export const PLACE_LARGE: u32 = 2;
/** A large span holding a stack. */
export const PLACE_INUSE: u32 = 3;

/**
 * Address of a span's record. Hot paths compute it once and use the rec*
 * accessors, which saves reloading the array's base.
 * Hazard: valid only until the next spanNew (allocManual), which may move
 * the array; look the record up again after any call that can take a span.
 */
// @ts-ignore: decorator
@inline export function spanRecord(span: u32): usize {
  return (globalU32(SPANS_BASE) as usize) + (span as usize) * SPAN_BYTES;
}

const BASE_PAGE_OFF: usize = 0;
const PAGES_OFF: usize = 4;
const FREE_HEAD_OFF: usize = 8;
const ALLOC_COUNT_OFF: usize = 12;
const NEXT_OFF: usize = 16;
const PREV_OFF: usize = 20;
const ORDER_OFF: usize = 24;
const PLACE_OFF: usize = 28;

// Fields by record address (see spanRecord).
// @ts-ignore: decorator
@inline export function recBasePage(rec: usize): u32 { return load<u32>(rec, BASE_PAGE_OFF); }
// @ts-ignore: decorator
@inline export function recFreeHead(rec: usize): u32 { return load<u32>(rec, FREE_HEAD_OFF); }
// @ts-ignore: decorator
@inline export function setRecFreeHead(rec: usize, link: u32): void {
  store<u32>(rec, link, FREE_HEAD_OFF);
}
// @ts-ignore: decorator
@inline export function recAllocCount(rec: usize): u32 {
  return load<u32>(rec, ALLOC_COUNT_OFF);
}
// @ts-ignore: decorator
@inline export function setRecAllocCount(rec: usize, count: u32): void {
  store<u32>(rec, count, ALLOC_COUNT_OFF);
}
// @ts-ignore: decorator
@inline export function recOrder(rec: usize): u32 { return load<u32>(rec, ORDER_OFF); }
// @ts-ignore: decorator
@inline export function recPlace(rec: usize): u32 { return load<u32>(rec, PLACE_OFF); }

// Fields by span id, for code off the hot paths.
// @ts-ignore: decorator
@inline export function spanBasePage(span: u32): u32 { return recBasePage(spanRecord(span)); }
// @ts-ignore: decorator
@inline export function spanPages(span: u32): u32 {
  return load<u32>(spanRecord(span), PAGES_OFF);
}
// @ts-ignore: decorator
@inline export function spanFreeHead(span: u32): u32 { return recFreeHead(spanRecord(span)); }
// @ts-ignore: decorator
@inline export function setSpanFreeHead(span: u32, link: u32): void {
  setRecFreeHead(spanRecord(span), link);
}
// @ts-ignore: decorator
@inline export function spanAllocCount(span: u32): u32 {
  return recAllocCount(spanRecord(span));
}
// @ts-ignore: decorator
@inline export function setSpanAllocCount(span: u32, count: u32): void {
  setRecAllocCount(spanRecord(span), count);
}
// @ts-ignore: decorator
@inline export function spanNext(span: u32): u32 {
  return load<u32>(spanRecord(span), NEXT_OFF);
}
// @ts-ignore: decorator
@inline function setSpanNext(span: u32, next: u32): void {
  store<u32>(spanRecord(span), next, NEXT_OFF);
}
// @ts-ignore: decorator
@inline function spanPrev(span: u32): u32 { return load<u32>(spanRecord(span), PREV_OFF); }
// @ts-ignore: decorator
@inline function setSpanPrev(span: u32, prev: u32): void {
  store<u32>(spanRecord(span), prev, PREV_OFF);
}
// @ts-ignore: decorator
@inline export function spanOrder(span: u32): u32 { return recOrder(spanRecord(span)); }
// @ts-ignore: decorator
@inline export function setSpanOrder(span: u32, order: u32): void {
  store<u32>(spanRecord(span), order, ORDER_OFF);
}
// @ts-ignore: decorator
@inline export function spanPlace(span: u32): u32 { return recPlace(spanRecord(span)); }
// @ts-ignore: decorator
@inline export function setSpanPlace(span: u32, place: u32): void {
  store<u32>(spanRecord(span), place, PLACE_OFF);
}

/**
 * Gives the record array room for id `span`: twice the records it had, at
 * least MIN_SPANS_CAP, at most one more than the heap limit's pages (a
 * span has at least one page, so ids never pass the limit's pages).
 * The blocks left behind go to memory.ts's free blocks for reuse; the
 * final block has room for under twice the ids handed out.
 * Limitation: a left-behind block nothing reuses stays reserved, so past
 * the first MIN_SPANS_CAP records the array can reserve up to
 * 4 * SPAN_BYTES bytes per span id.
 */
function growSpans(span: u32): void {
  const had = globalU32(SPANS_CAP);
  let cap = had << 1;
  if (cap < MIN_SPANS_CAP) cap = MIN_SPANS_CAP;
  const most = globalU32(LIMIT_PAGES) + 1;
  if (cap > most) cap = most;
  if (cap <= span) cap = span + 1;
  const usedBytes = (span as usize) * SPAN_BYTES;
  setGlobalU32(SPANS_BASE, moveBytes(globalU32(SPANS_BASE), (had as usize) * SPAN_BYTES,
    usedBytes, (cap as usize) * SPAN_BYTES) as u32);
  setGlobalU32(SPANS_CAP, cap);
}

/**
 * A fresh span record for pages [basePage, basePage + pages).
 * Hazard: may move the record array (growSpans); its one caller,
 * allocManual, holds no record address across it, and neither do
 * allocManual's callers.
 */
export function spanNew(basePage: u32, pages: u32): u32 {
  let span = globalU32(SPAN_RECYCLED);
  if (span != 0) {
    setGlobalU32(SPAN_RECYCLED, spanNext(span));
  } else {
    span = globalU32(SPAN_HIGH) + 1;
    setGlobalU32(SPAN_HIGH, span);
    if (span >= globalU32(SPANS_CAP)) growSpans(span);
  }
  const addr = spanRecord(span);
  store<u32>(addr, basePage, BASE_PAGE_OFF);
  store<u32>(addr, pages, PAGES_OFF);
  store<u32>(addr, 0, FREE_HEAD_OFF);
  store<u32>(addr, 0, ALLOC_COUNT_OFF);
  store<u32>(addr, 0, NEXT_OFF);
  store<u32>(addr, 0, PREV_OFF);
  store<u32>(addr, LARGE_ORDER, ORDER_OFF);
  store<u32>(addr, PLACE_INUSE, PLACE_OFF);
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
