// The global stack pools: stackpoolalloc / stackpoolfree of
// runtime/stack.go. stackpool[order] lists the spans of that order that
// still have free stacks; each span keeps its free stacks on an intrusive
// list (manualFreeList) linked through the stacks' slot words (layout.ts).

import { ABLATE_SPAN_RETURN, ablated } from "./ablations";
import { invariant } from "./checks";
import {
  MSG_ALLOC_COUNT, MSG_NOT_STACK_SPAN, MSG_NO_FREE_STACKS, MSG_SPAN_STATE,
} from "./errors";
import {
  CACHE_BYTES, GC_PHASE, PHASE_OFF, SLOTS_PER_PAGE_SHIFT, globalU32,
  orderBytes, poolSpanPages,
} from "./globals";
import { allocManual, freeManual } from "./heap";
import { pageSlot, pageSpan, setSlotWord, slotPage, slotWord } from "./layout";
import {
  PLACE_FULL, PLACE_INUSE, PLACE_POOL, listFirst, listInsert, listRemove,
  poolList, recAllocCount, recFreeHead, recOrder, recPlace, setRecAllocCount,
  setRecFreeHead, setSpanFreeHead, setSpanOrder, spanBasePage, spanRecord,
} from "./spans";
import { ST_POOL_FREE, addStat } from "./stats";

/**
 * Carves a fresh pool span into stacks of `order`: each stack is pushed on
 * the span's free list in address order, so the highest is handed out
 * first, as the runtime does.
 */
function carve(span: u32, order: u32): void {
  const first = pageSlot(spanBasePage(span));
  const slots = poolSpanPages() << globalU32(SLOTS_PER_PAGE_SHIFT);
  const step: u32 = 1 << order;
  let head: u32 = 0;
  for (let slot = first; slot < first + slots; slot += step) {
    setSlotWord(slot, head);
    head = slot + 1;
  }
  setSpanOrder(span, order);
  setSpanFreeHead(span, head);
  addStat(ST_POOL_FREE, globalU32(CACHE_BYTES) as f64);
}

/** stackpoolalloc: one stack of `order` from the pool, as a slot. */
// @ts-ignore: decorator
@inline export function stackpoolalloc(order: u32): u32 {
  const list = poolList(order);
  let span = listFirst(list);
  if (span == 0) {
    span = allocManual(poolSpanPages());
    carve(span, order);
    listInsert(list, span, PLACE_POOL);
  }
  const rec = spanRecord(span);
  const head = recFreeHead(rec);
  invariant(head != 0, MSG_NO_FREE_STACKS);
  const slot = head - 1;
  const next = slotWord(slot);
  setRecFreeHead(rec, next);
  setRecAllocCount(rec, recAllocCount(rec) + 1);
  addStat(ST_POOL_FREE, -(orderBytes(order) as f64));
  if (next == 0) listRemove(list, span, PLACE_FULL);
  return slot;
}

/**
 * stackpoolfree: the stack at `slot` goes back on its span's free list.
 * With the GC off, a span whose last stack came back returns to the heap.
 */
// @ts-ignore: decorator
@inline export function stackpoolfree(slot: u32, order: u32): void {
  const span = pageSpan(slotPage(slot));
  invariant(span != 0, MSG_NOT_STACK_SPAN);
  const rec = spanRecord(span);
  invariant(recOrder(rec) == order, MSG_NOT_STACK_SPAN);
  invariant(recPlace(rec) == PLACE_POOL || recPlace(rec) == PLACE_FULL, MSG_SPAN_STATE);
  invariant(recAllocCount(rec) > 0, MSG_ALLOC_COUNT);
  const list = poolList(order);
  const head = recFreeHead(rec);
  if (head == 0) listInsert(list, span, PLACE_POOL);
  setSlotWord(slot, head);
  setRecFreeHead(rec, slot + 1);
  const count = recAllocCount(rec) - 1;
  setRecAllocCount(rec, count);
  addStat(ST_POOL_FREE, orderBytes(order) as f64);
  if (count == 0 && globalU32(GC_PHASE) == PHASE_OFF && !ablated(ABLATE_SPAN_RETURN)) {
    releaseEmptySpan(list, span);
  }
}

/** An empty pool span leaves its list and goes back to the heap. */
export function releaseEmptySpan(list: usize, span: u32): void {
  listRemove(list, span, PLACE_INUSE);
  addStat(ST_POOL_FREE, -(globalU32(CACHE_BYTES) as f64));
  setSpanFreeHead(span, 0);
  freeManual(span);
}
