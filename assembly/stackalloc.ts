// stackalloc / stackfree of runtime/stack.go: small stacks through the P's
// cache (or straight from the pool without a P), large stacks from the
// large-stack cache or the heap. Stacks are slot numbers (layout.ts); the
// caller accounts for the bytes it now owns (live, dead G or raw).

import { invariant } from "./checks";
import { MSG_NOT_OUT } from "./errors";
import {
  CACHE_BYTES, FIXED_SHIFT, GC_PHASE, LARGE_LISTS, NEWG_STACK, NEWPROC_WORST_PAGES,
  PHASE_OFF, SMALL_STACK_LIMIT, STARTING_STACK, globalU32, orderBytes, setGlobalU32,
} from "./globals";
import { allocManual, freeManual } from "./heap";
import {
  PAGE_SHIFT, SLOT_OUT_BIT, pageSlot, pageSpan, setSlotWord, slotPage, slotWord,
  slotWordAddr,
} from "./layout";
import { NO_P, cacheBytes, cacheHead, setCacheBytes, setCacheHead } from "./precords";
import {
  cachePop, cachePush, stackcacherefill, stackcacherelease,
} from "./stackcache";
import { stackpoolalloc, stackpoolfree } from "./stackpool";
import {
  PLACE_INUSE, PLACE_LARGE, largeList, listFirst, listInsert, listRemove,
  spanBasePage,
} from "./spans";
import { ST_LARGE_CACHE, ST_PCACHE, ST_STARTING_STACK, addStat, setStat } from "./stats";

/** Whether a stack of this size comes from the pools. */
// @ts-ignore: decorator
@inline export function isSmallStack(sizeBytes: u32): bool {
  return sizeBytes < globalU32(SMALL_STACK_LIMIT);
}

/**
 * Order of a small stack: halvings of sizeBytes down to FixedStack. The
 * order is also log2 of the stack's length in slots.
 */
// @ts-ignore: decorator
@inline export function stackOrder(sizeBytes: u32): u32 {
  return <u32>ctz(sizeBytes) - globalU32(FIXED_SHIFT);
}

/** Pages a stack of this size needs if it takes a fresh span. */
export function worstCasePages(sizeBytes: u32): u32 {
  return isSmallStack(sizeBytes) ? globalU32(CACHE_BYTES) >> PAGE_SHIFT
    : sizeBytes >> PAGE_SHIFT;
}

/**
 * Sets startingStackSize, its stat, and the worst case newproc checks
 * before it runs: a stack of max(startingStackSize, malg's size) taken
 * with a fresh span. Kept here because every newproc would otherwise
 * recompute it.
 */
export function setStartingStack(sizeBytes: u32): void {
  setGlobalU32(STARTING_STACK, sizeBytes);
  setStat(ST_STARTING_STACK, sizeBytes as f64);
  const newGStack = globalU32(NEWG_STACK);
  const worst = sizeBytes > newGStack ? sizeBytes : newGStack;
  setGlobalU32(NEWPROC_WORST_PAGES, worstCasePages(worst));
}

/** Notes that stackLarge.free[log2Pages] exists (snapshot list count). */
function touchLargeList(log2Pages: u32): void {
  if (globalU32(LARGE_LISTS) <= log2Pages) setGlobalU32(LARGE_LISTS, log2Pages + 1);
}

function largeAlloc(sizeBytes: u32): u32 {
  const pages = sizeBytes >> PAGE_SHIFT;
  const log2Pages = <u32>ctz(pages);
  touchLargeList(log2Pages);
  const list = largeList(log2Pages);
  let span = listFirst(list);
  if (span != 0) {
    listRemove(list, span, PLACE_INUSE);
    addStat(ST_LARGE_CACHE, -(sizeBytes as f64));
  } else {
    span = allocManual(pages);
  }
  return pageSlot(spanBasePage(span));
}

function largeFree(slot: u32, sizeBytes: u32): void {
  const span = pageSpan(slotPage(slot));
  setSlotWord(slot, 0);
  if (globalU32(GC_PHASE) == PHASE_OFF) {
    freeManual(span);
    return;
  }
  const log2Pages = <u32>ctz(sizeBytes >> PAGE_SHIFT);
  touchLargeList(log2Pages);
  listInsert(largeList(log2Pages), span, PLACE_LARGE);
  addStat(ST_LARGE_CACHE, sizeBytes as f64);
}

/**
 * stackalloc: a stack of sizeBytes for `owner` (a G index or OWNER_RAW),
 * through P's cache, or from the pool when p is NO_P.
 * @returns the stack's first slot
 */
export function stackalloc(sizeBytes: u32, p: u32, owner: u32): u32 {
  return stackallocInlined(sizeBytes, p, owner);
}

/**
 * stackalloc, inlined where the caller is hot (the growth chain, gfget's
 * starting stack; stackfreeInlined in gfput): a small stack on a P whose
 * cache has one is a pop and two stores; the rest is stackallocSlow. The
 * pop is cachePop written out, so that the slot word's link is read and
 * its handed-out mark written through one address; a version calling
 * cachePop and cachePush ran the grow workload about 5% slower. Inlining
 * it into gfget and gfput made the grow workload about 4% faster once the
 * free-G lists and the wheel were arrays (before, it measured no faster).
 */
// @ts-ignore: decorator
@inline export function stackallocInlined(sizeBytes: u32, p: u32, owner: u32): u32 {
  let slot: u32 = 0;
  let order: u32 = 0;
  let head: u32 = 0;
  if (p != NO_P && isSmallStack(sizeBytes)) {
    order = stackOrder(sizeBytes);
    head = cacheHead(p, order);
  }
  if (head != 0) {
    slot = head - 1;
    const wordAddr = slotWordAddr(slot);
    const next = load<u32>(wordAddr);
    invariant((next & SLOT_OUT_BIT) == 0, MSG_NOT_OUT);
    store<u32>(wordAddr, SLOT_OUT_BIT | owner);
    const bytes = sizeBytes;
    setCacheHead(p, order, next);
    setCacheBytes(p, order, cacheBytes(p, order) - bytes);
    addStat(ST_PCACHE, -(bytes as f64));
  } else {
    slot = stackallocSlow(sizeBytes, p, owner);
  }
  return slot;
}

/**
 * stackalloc's path for large stacks, no P, or (the only way a small stack
 * on a P gets here) an empty cache.
 */
function stackallocSlow(sizeBytes: u32, p: u32, owner: u32): u32 {
  let slot: u32;
  if (!isSmallStack(sizeBytes)) {
    slot = largeAlloc(sizeBytes);
  } else if (p == NO_P) {
    slot = stackpoolalloc(stackOrder(sizeBytes));
  } else {
    const order = stackOrder(sizeBytes);
    stackcacherefill(p, order);
    slot = cachePop(p, order);
  }
  invariant((slotWord(slot) & SLOT_OUT_BIT) == 0, MSG_NOT_OUT);
  setSlotWord(slot, SLOT_OUT_BIT | owner);
  return slot;
}

/** stackfree: the stack at `slot` goes back through P's cache or pool. */
export function stackfree(slot: u32, sizeBytes: u32, p: u32): void {
  stackfreeInlined(slot, sizeBytes, p);
}

/**
 * stackfree, inlined where the caller is hot, like stackallocInlined: a
 * small stack on a P whose cache has room is a push; the rest is
 * stackfreeSlow.
 */
// @ts-ignore: decorator
@inline export function stackfreeInlined(slot: u32, sizeBytes: u32, p: u32): void {
  let pushed = false;
  if (p != NO_P && isSmallStack(sizeBytes)) {
    const order = stackOrder(sizeBytes);
    const cached = cacheBytes(p, order);
    if (cached < globalU32(CACHE_BYTES)) {
      const wordAddr = slotWordAddr(slot);
      invariant((load<u32>(wordAddr) & SLOT_OUT_BIT) != 0, MSG_NOT_OUT);
      store<u32>(wordAddr, cacheHead(p, order));
      setCacheHead(p, order, slot + 1);
      setCacheBytes(p, order, cached + sizeBytes);
      addStat(ST_PCACHE, sizeBytes as f64);
      pushed = true;
    }
  }
  if (!pushed) stackfreeSlow(slot, sizeBytes, p);
}

/**
 * stackfree's path for large stacks, no P, or (the only way a small stack
 * on a P gets here) a full cache.
 */
function stackfreeSlow(slot: u32, sizeBytes: u32, p: u32): void {
  invariant((slotWord(slot) & SLOT_OUT_BIT) != 0, MSG_NOT_OUT);
  if (!isSmallStack(sizeBytes)) {
    largeFree(slot, sizeBytes);
    return;
  }
  const order = stackOrder(sizeBytes);
  if (p == NO_P) {
    stackpoolfree(slot, order);
    return;
  }
  stackcacherelease(p, order);
  cachePush(p, order, slot);
}
