// Free-G lists of runtime/proc.go: gfput, gfget and gfpurge, per P and
// global (sched.gFree.stack / .noStack), linked through the Gs' schedlink
// as G index + 1 (0 ends a list). Decides what happens to a dead G's stack;
// stackalloc.ts does the allocating and freeing.

import { invariant } from "./checks";
import { MSG_G_STATUS, MSG_LIST } from "./errors";
import {
  GFREE_NOSTACK, GFREE_STACK, KEEP, KEEP_GROWN, SPILL_AT, STARTING_STACK,
  globalU32, setGlobalU32,
} from "./globals";
import {
  G_DEAD, clearGStack, gRecord, gSchedlink, gStackBytes, gStackSlot, recSchedlink,
  recStackBytes, recStackSlot, recStatus, setGSchedlink, setRecSchedlink, setRecStack,
} from "./goroutines";
import {
  pGFreeCount, pGFreeHead, setPGFreeCount, setPGFreeHead,
} from "./precords";
import { stackalloc, stackfree } from "./stackalloc";
import {
  ST_DEADG_STACK, ST_GFREE_GNOSTACK, ST_GFREE_GSTACK, ST_GFREE_LOCAL, addStat,
} from "./stats";

/** Returned by gfget when there is no free G. */
export const NO_G: u32 = 0xffffffff;

/**
 * Moves Gs from P's list to the global lists while it holds at least
 * `keep` (and any). Pushing one at a time gives the same order as the
 * runtime's two batches put in front of the global lists. The list heads,
 * the P's count and the three list counters are kept in locals and
 * written once at the end: nothing reads them while Gs move, and the
 * counters are whole numbers, so the sums are the same as one update per
 * G.
 */
function spill(p: u32, keep: u32): void {
  let count = pGFreeCount(p);
  let link = pGFreeHead(p);
  let stackHead = globalU32(GFREE_STACK);
  let noStackHead = globalU32(GFREE_NOSTACK);
  let withStack: u32 = 0;
  let withoutStack: u32 = 0;
  while (count >= keep && count > 0) {
    invariant(link != 0, MSG_LIST);
    const rec = gRecord(link - 1);
    const next = recSchedlink(rec);
    count--;
    if (recStackBytes(rec) != 0) {
      setRecSchedlink(rec, stackHead);
      stackHead = link;
      withStack++;
    } else {
      setRecSchedlink(rec, noStackHead);
      noStackHead = link;
      withoutStack++;
    }
    link = next;
  }
  setGlobalU32(GFREE_STACK, stackHead);
  setGlobalU32(GFREE_NOSTACK, noStackHead);
  setPGFreeHead(p, link);
  setPGFreeCount(p, count);
  addStat(ST_GFREE_LOCAL, -((withStack + withoutStack) as f64));
  addStat(ST_GFREE_GSTACK, withStack as f64);
  addStat(ST_GFREE_GNOSTACK, withoutStack as f64);
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
    stackfree(recStackSlot(rec), stackBytes, p);
    setRecStack(rec, 0, 0);
    keptBytes = 0;
  }
  const count = pGFreeCount(p) + 1;
  setRecSchedlink(rec, pGFreeHead(p));
  setPGFreeHead(p, g + 1);
  setPGFreeCount(p, count);
  if (count >= globalU32(SPILL_AT)) spill(p, globalU32(KEEP));
  return keptBytes;
}

/** gfpurge: every free G of P goes to the global lists. */
export function gfpurge(p: u32): void {
  spill(p, 1);
}

/**
 * Refills an empty P list from the global lists, stack list first, each G
 * pushed in front of the P's list in turn; heads and counters written once
 * at the end as in spill.
 */
function refillLocal(p: u32): void {
  const keep = globalU32(KEEP);
  let count = pGFreeCount(p);
  let localHead = pGFreeHead(p);
  let stackHead = globalU32(GFREE_STACK);
  let noStackHead = globalU32(GFREE_NOSTACK);
  let fromStack: u32 = 0;
  let fromNoStack: u32 = 0;
  while (count < keep) {
    let link: u32 = 0;
    let rec: usize = 0;
    if (stackHead != 0) {
      link = stackHead;
      rec = gRecord(link - 1);
      stackHead = recSchedlink(rec);
      fromStack++;
    } else if (noStackHead != 0) {
      link = noStackHead;
      rec = gRecord(link - 1);
      noStackHead = recSchedlink(rec);
      fromNoStack++;
    } else {
      break;
    }
    setRecSchedlink(rec, localHead);
    localHead = link;
    count++;
  }
  setGlobalU32(GFREE_STACK, stackHead);
  setGlobalU32(GFREE_NOSTACK, noStackHead);
  setPGFreeHead(p, localHead);
  setPGFreeCount(p, count);
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
  let link = pGFreeHead(p);
  if (link == 0) {
    refillLocal(p);
    link = pGFreeHead(p);
    if (link == 0) return NO_G;
  }
  invariant(pGFreeCount(p) > 0, MSG_LIST);
  const g = link - 1;
  const rec = gRecord(g);
  setPGFreeHead(p, recSchedlink(rec));
  setPGFreeCount(p, pGFreeCount(p) - 1);
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
    setRecStack(rec, stackalloc(starting, p, g), starting);
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
  const head = globalU32(GFREE_STACK);
  if (head == 0) return;
  let moved: f64 = 0;
  let last: u32 = 0;
  for (let link = head; link != 0; link = gSchedlink(link - 1)) {
    const g = link - 1;
    addStat(ST_DEADG_STACK, -(gStackBytes(g) as f64));
    stackfree(gStackSlot(g), gStackBytes(g), p);
    clearGStack(g);
    moved++;
    last = g;
  }
  setGSchedlink(last, globalU32(GFREE_NOSTACK));
  setGlobalU32(GFREE_NOSTACK, head);
  setGlobalU32(GFREE_STACK, 0);
  addStat(ST_GFREE_GSTACK, -moved);
  addStat(ST_GFREE_GNOSTACK, moved);
}
