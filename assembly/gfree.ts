// Free-G lists of runtime/proc.go: gfput, gfget and gfpurge, per P and
// global (sched.gFree.stack / .noStack). The lists are arrays of G entries
// (glist.ts) rather than chains through g.schedlink; their order is the
// runtime's. Decides what happens to a dead G's stack; stackalloc.ts does
// the allocating and freeing.

import { invariant } from "./checks";
import { MSG_G_STATUS, MSG_STACKLESS_G } from "./errors";
import {
  GFREE_NOSTACK, GFREE_STACK, KEEP, KEEP_GROWN, SPILL_AT, STARTING_STACK,
  globalAddr, globalU32,
} from "./globals";
import {
  ENTRY_G_MASK, ENTRY_HAS_STACK, entryAddr, listCount, listEntries, listMoveAllInFront,
  listPush, listReserve, setListCount,
} from "./glist";
import {
  G_DEAD, clearGStack, gRecord, gStackBytes, gStackSlot, recStackBytes, recStackSlot,
  recStatus, setRecStack,
} from "./goroutines";
import { pGFreeList } from "./precords";
import { stackalloc, stackallocInlined, stackfree, stackfreeInlined } from "./stackalloc";
import {
  ST_DEADG_STACK, ST_GFREE_GNOSTACK, ST_GFREE_GSTACK, ST_GFREE_LOCAL, addStat,
} from "./stats";

/** Returned by gfget when there is no free G. */
export const NO_G: u32 = 0xffffffff;

/**
 * Moves Gs from P's list to the global lists while it holds at least
 * `keep` (and any). Taking P's head each time and pushing it on the
 * matching global list gives the same order as the runtime's two batches
 * put in front of the global lists. Counts are kept in locals and written
 * once: nothing reads them while Gs move, and they are whole numbers, so
 * the sums are the same as one update per G.
 */
function spill(p: u32, keep: u32): void {
  const local = pGFreeList(p);
  const stackList = globalAddr(GFREE_STACK);
  const noStackList = globalAddr(GFREE_NOSTACK);
  let count = listCount(local);
  const moving = count >= keep ? count - keep + 1 : 0;
  if (moving == 0) return;
  // Room for every moving G on either list, so the loop tests nothing.
  let stackCount = listCount(stackList);
  let noStackCount = listCount(noStackList);
  listReserve(stackList, stackCount + moving);
  listReserve(noStackList, noStackCount + moving);
  const from = listEntries(local);
  const stackEntries = listEntries(stackList);
  const noStackEntries = listEntries(noStackList);
  const end = count - moving;
  while (count > end) {
    count--;
    const entry = load<u32>(entryAddr(from, count));
    if ((entry & ENTRY_HAS_STACK) != 0) {
      store<u32>(entryAddr(stackEntries, stackCount), entry & ENTRY_G_MASK);
      stackCount++;
    } else {
      store<u32>(entryAddr(noStackEntries, noStackCount), entry);
      noStackCount++;
    }
  }
  const withStack = stackCount - listCount(stackList);
  setListCount(stackList, stackCount);
  setListCount(noStackList, noStackCount);
  setListCount(local, count);
  addStat(ST_GFREE_LOCAL, -(moving as f64));
  addStat(ST_GFREE_GSTACK, withStack as f64);
  addStat(ST_GFREE_GNOSTACK, (moving - withStack) as f64);
}

/** keepGrownStackBytes: whether gfput keeps a stack of this size. */
function keepsOnPut(sizeBytes: u32): bool {
  const cap = globalU32(KEEP_GROWN);
  return cap > 0 && sizeBytes <= cap;
}

/** Whether gfget lets a dead G keep a stack of this size. */
function keepsOnGet(sizeBytes: u32): bool {
  const starting = globalU32(STARTING_STACK);
  if (sizeBytes == starting) return true;
  const cap = globalU32(KEEP_GROWN);
  return cap > 0 && sizeBytes >= starting && sizeBytes <= cap;
}

/**
 * gfput: dead g goes on P's list, its stack freed unless kept. The caller
 * passes g's record address and stack size, which it has already read,
 * and counts the G itself: gfreeLocal grows by one and deadGStackBytes by
 * the bytes returned (so a loop of exits can sum them in locals).
 * @returns the bytes of the stack g kept, 0 when it was freed
 */
// @ts-ignore: decorator
@inline export function gfput(p: u32, g: u32, rec: usize, stackBytes: u32): u32 {
  invariant(recStatus(rec) == G_DEAD, MSG_G_STATUS);
  let keptBytes = stackBytes;
  if (stackBytes != globalU32(STARTING_STACK) && !keepsOnPut(stackBytes)) {
    stackfreeInlined(recStackSlot(rec), stackBytes, p);
    setRecStack(rec, 0, 0);
    keptBytes = 0;
  }
  const entry = keptBytes != 0 ? g | ENTRY_HAS_STACK : g;
  const count = listPush(pGFreeList(p), entry);
  if (count >= globalU32(SPILL_AT)) spill(p, globalU32(KEEP));
  return keptBytes;
}

/** gfpurge: every free G of P goes to the global lists. */
export function gfpurge(p: u32): void {
  spill(p, 1);
}

/**
 * Refills P's list from the global lists until it holds `keep`, stack
 * list first, each G pushed in front of P's list in turn; counts written
 * once at the end as in spill.
 */
function refillLocal(p: u32): void {
  const keep = globalU32(KEEP);
  const local = pGFreeList(p);
  const stackList = globalAddr(GFREE_STACK);
  const noStackList = globalAddr(GFREE_NOSTACK);
  let count = listCount(local);
  listReserve(local, keep);
  const to = listEntries(local);
  const stackEntries = listEntries(stackList);
  const noStackEntries = listEntries(noStackList);
  let stackCount = listCount(stackList);
  let noStackCount = listCount(noStackList);
  let fromStack: u32 = 0;
  while (count < keep && stackCount > 0) {
    stackCount--;
    store<u32>(entryAddr(to, count), load<u32>(entryAddr(stackEntries, stackCount))
      | ENTRY_HAS_STACK);
    count++;
    fromStack++;
  }
  let fromNoStack: u32 = 0;
  while (count < keep && noStackCount > 0) {
    noStackCount--;
    store<u32>(entryAddr(to, count), load<u32>(entryAddr(noStackEntries, noStackCount)));
    count++;
    fromNoStack++;
  }
  setListCount(stackList, stackCount);
  setListCount(noStackList, noStackCount);
  setListCount(local, count);
  addStat(ST_GFREE_LOCAL, (fromStack + fromNoStack) as f64);
  addStat(ST_GFREE_GSTACK, -(fromStack as f64));
  addStat(ST_GFREE_GNOSTACK, -(fromNoStack as f64));
}

/**
 * Record address of the G gfget last returned, so newproc need not look
 * it up again (a lookup is two dependent loads).
 */
export let gfgetRecord: usize = 0;

/** gfget: a free G for P with a stack of startingStackSize, or NO_G. */
// @ts-ignore: decorator
@inline export function gfget(p: u32): u32 {
  const local = pGFreeList(p);
  let count = listCount(local);
  if (count == 0) {
    refillLocal(p);
    count = listCount(local);
    if (count == 0) return NO_G;
  }
  count--;
  const g = load<u32>(entryAddr(listEntries(local), count)) & ENTRY_G_MASK;
  setListCount(local, count);
  const rec = gRecord(g);
  addStat(ST_GFREE_LOCAL, -1);
  let sizeBytes = recStackBytes(rec);
  if (sizeBytes != 0) {
    addStat(ST_DEADG_STACK, -(sizeBytes as f64));
    if (!keepsOnGet(sizeBytes)) {
      stackfree(recStackSlot(rec), sizeBytes, p);
      setRecStack(rec, 0, 0);
      sizeBytes = 0;
    }
  }
  if (sizeBytes == 0) {
    const starting = globalU32(STARTING_STACK);
    setRecStack(rec, stackallocInlined(starting, p, g), starting);
  }
  gfgetRecord = rec;
  return g;
}

/**
 * markrootFreeGStacks: frees the stacks of every G on the global stack
 * list (on P, in list order) and puts those Gs, same order, in front of
 * the no-stack list.
 */
export function markrootFreeGStacks(p: u32): void {
  const stackList = globalAddr(GFREE_STACK);
  const moving = listCount(stackList);
  if (moving == 0) return;
  const entries = listEntries(stackList);
  let freed: f64 = 0;
  // From the head (the top entry) down, as the runtime walks its list.
  for (let index = moving; index > 0; index--) {
    const g = load<u32>(entryAddr(entries, index - 1));
    const sizeBytes = gStackBytes(g);
    invariant(sizeBytes != 0, MSG_STACKLESS_G);
    freed += sizeBytes as f64;
    stackfree(gStackSlot(g), sizeBytes, p);
    clearGStack(g);
  }
  listMoveAllInFront(stackList, globalAddr(GFREE_NOSTACK));
  addStat(ST_DEADG_STACK, -freed);
  addStat(ST_GFREE_GSTACK, -(moving as f64));
  addStat(ST_GFREE_GNOSTACK, moving as f64);
}
