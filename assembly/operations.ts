// The operations the host calls. Each checks its arguments and the
// out-of-memory worst case (docs/MODEL.md) before it changes anything, then
// runs the model. A result >= 0 is success (a G index, a slot, or 0); a
// negative result is -ErrorCode and nothing has changed.
//
// Every operation takes and returns numbers only and keeps no state
// outside linear memory, so a batch executor can read operation records
// from a buffer in linear memory and call these same functions in a loop,
// stopping at the first refusal and reporting its index and code.

import { invariant } from "./checks";
import { ErrorCode, MSG_NEWG_STACK } from "./errors";
import {
  FIXED_SHIFT, FIXED_STACK, GC_PHASE, MAPPED_PAGES, MAX_STACK, NEWG_STACK,
  NEWPROC_WORST_PAGES, NEXT_GOID, PHASE_MARK, PHASE_OFF, PROCS, STACK_GUARD, globalF64,
  globalU32, setGlobalF64,
} from "./globals";
import { growChain } from "./copystack";
import { gcFinishOn, gcStartOn, shrinkWorstPages } from "./gc";
import { NO_G, gfget, gfgetRecord, gfput } from "./gfree";
import {
  G_DEAD, G_LIVE, gRecord, gStackSlot, isLiveG, newGRecord, recP, recStackBytes, setRecStack,
  setRecGoid, setRecP, setRecStatus, setRecUsedBytes,
} from "./goroutines";
import {
  MAX_PROCS, OWNER_RAW, PAGE_BYTES, SLOT_OUT_BIT, SLOT_OWNER_MASK, pageSlot,
  pageSpan, slotWord,
} from "./layout";
import { hasFreeRun } from "./pagealloc";
import { NO_P } from "./precords";
import { flushAllStackCaches, procresizeTo } from "./procs";
import {
  LARGE_ORDER, PLACE_LARGE, spanBasePage, spanOrder, spanPages, spanPlace,
} from "./spans";
import { stackalloc, stackfree, worstCasePages } from "./stackalloc";
import {
  ST_DEADG_STACK, ST_GFREE_LOCAL, ST_GROW_COPIES, ST_LIVE_GS, ST_LIVE_STACK, ST_RAW_STACK,
  addStat,
} from "./stats";
import { orderBytes } from "./globals";

const MANTISSA_MASK: u64 = 0x000fffffffffffff;

function isWholeNumber(x: f64): bool {
  return isFinite(x) && Math.floor(x) == x;
}

/** The host's P argument: an index below GOMAXPROCS, or -1 for no P. */
function pValid(p: i32, allowNoP: bool): bool {
  if (p == -1) return allowNoP;
  return p >= 0 && (p as u32) < globalU32(PROCS);
}

/** Refusal code for a stack size argument, or 0 when it is valid. */
function stackSizeError(sizeBytes: f64): i32 {
  if (!isWholeNumber(sizeBytes)) return ErrorCode.BadArgument;
  const isPow2 = sizeBytes >= 1 && (reinterpret<u64>(sizeBytes) & MANTISSA_MASK) == 0;
  if (!isPow2) return ErrorCode.NotPowerOfTwo;
  if (sizeBytes < (globalU32(FIXED_STACK) as f64)
    || sizeBytes > (globalU32(MAX_STACK) as f64)) return ErrorCode.BadStackSize;
  return 0;
}

/** Whether the heap can take `pages` pages in the worst case. */
function hasHeadroom(pages: f64): bool {
  // No free run reaches past u32 pages, so such a request never fits.
  return pages == 0 || (pages <= (u32.MAX_VALUE as f64) && hasFreeRun(pages as u32));
}

/** newproc on P p: gfget, else malg. @returns the G index or -code. */
export function newproc(p: i32): i32 {
  if (!pValid(p, false)) return -ErrorCode.BadP;
  return newprocOn(p as u32);
}

/** Record address of the G newprocOn last made (saves the driver a lookup). */
export let newprocRecord: usize = 0;

/**
 * newproc on a P known to be below GOMAXPROCS (the driver's own P): only
 * the out-of-memory worst case is checked. @returns the G index or -code.
 */
// @ts-ignore: decorator
@inline export function newprocOn(p: u32): i32 {
  if (!hasFreeRun(globalU32(NEWPROC_WORST_PAGES))) return -ErrorCode.OutOfMemory;

  let g = gfget(p);
  let rec: usize;
  if (g == NO_G) {
    g = newGRecord();
    rec = gRecord(g);
    const newGStack = globalU32(NEWG_STACK);
    setRecStack(rec, stackalloc(newGStack, p, g), newGStack);
  } else {
    rec = gfgetRecord;
  }
  newprocRecord = rec;
  const stackBytes = recStackBytes(rec);
  invariant(stackBytes != 0, MSG_NEWG_STACK);
  setRecStatus(rec, G_LIVE);
  setRecP(rec, p);
  setRecUsedBytes(rec, 0);
  const goid = globalF64(NEXT_GOID) + 1;
  setGlobalF64(NEXT_GOID, goid);
  setRecGoid(rec, goid);
  addStat(ST_LIVE_STACK, stackBytes as f64);
  addStat(ST_LIVE_GS, 1);
  return g as i32;
}

/**
 * The growth chain of newstack: how many doublings until `usedBytes`
 * fits, with their worst-case pages. -1 doublings means stack overflow.
 * In integers: sizes stay below 2^33 and the chain's pages below 2^25, so
 * u64 holds every sum exactly (f64 compares cost more on this hot path).
 */
let chainPages: u32 = 0;
function growthDoublings(sizeBytes: u32, usedBytes: u64): i32 {
  const need = usedBytes + (globalU32(STACK_GUARD) as u64);
  const max = globalU32(MAX_STACK) as u64;
  let size = sizeBytes as u64;
  let doublings = 0;
  let pages: u32 = 0;
  while (need > size) {
    size <<= 1;
    if (size > max) return -1;
    pages += worstCasePages(size as u32);
    doublings++;
  }
  chainPages = pages;
  return doublings;
}

/** use: goroutine g's use becomes usedBytes, growing its stack. */
export function use(g: u32, usedBytes: f64): i32 {
  if (!isLiveG(g)) return -ErrorCode.UnknownGoroutine;
  if (!isWholeNumber(usedBytes) || usedBytes < 0) return -ErrorCode.BadArgument;
  // Past 2^32 bytes no stack can hold the use (maxstacksize is a u32), and
  // the conversion below saturates, so the chain still reports overflow.
  return grow(g, gRecord(g), usedBytes as u64);
}

/**
 * use for a goroutine the driver made and has not ended (rec is its
 * record, gRecord(g)), with a byte count drawn from the scenario's tables
 * (a whole number by construction). A use that fits the stack is settled
 * here without the growth chain.
 */
// @ts-ignore: decorator
@inline export function useOn(g: u32, rec: usize, usedBytes: u32): i32 {
  const fits = (usedBytes as u64) + (globalU32(STACK_GUARD) as u64)
    <= (recStackBytes(rec) as u64);
  if (fits) {
    setRecUsedBytes(rec, usedBytes);
    return 0;
  }
  return grow(g, rec, usedBytes as u64);
}

/** use's body after the argument checks: the chain's checks, then copies. */
function grow(g: u32, rec: usize, usedBytes: u64): i32 {
  const doublings = growthDoublings(recStackBytes(rec), usedBytes);
  if (doublings < 0) return -ErrorCode.StackOverflow;
  if (!hasFreeRun(chainPages)) return -ErrorCode.OutOfMemory;

  setRecUsedBytes(rec, usedBytes as u32);
  growChain(g, rec, doublings, recP(rec));
  addStat(ST_GROW_COPIES, doublings as f64);
  return 0;
}

/** goexit: gdestroy + gfput on the goroutine's P. */
export function goexit(g: u32): i32 {
  if (!isLiveG(g)) return -ErrorCode.UnknownGoroutine;
  const rec = gRecord(g);
  const stackBytes = recStackBytes(rec);
  const keptBytes = goexitUncounted(g, rec, stackBytes);
  countExits(1, stackBytes as u64, keptBytes as u64);
  return 0;
}

/**
 * goexit of a goroutine known to be live (rec = gRecord(g), stackBytes its
 * stack size), without the lifecycle counters: the caller passes what it
 * returns to countExits, once per goroutine or once for a whole loop of
 * exits (the driver's tick). Nothing reads those counters in between.
 * @returns the bytes of the stack the dead G kept
 */
// @ts-ignore: decorator
@inline export function goexitUncounted(g: u32, rec: usize, stackBytes: u32): u32 {
  setRecStatus(rec, G_DEAD);
  setRecUsedBytes(rec, 0);
  return gfput(recP(rec), g, rec, stackBytes);
}

/**
 * The counters of `exits` goexits whose stacks summed `stackBytes`, of
 * which the dead Gs kept `keptBytes`: live Gs and bytes go down, each G is
 * now on a P's free list, with its kept stack counted as dead-G stack.
 * The sums are whole numbers far below 2^53, so adding them at once gives
 * the same f64 values as adding them one exit at a time.
 */
export function countExits(exits: u32, stackBytes: u64, keptBytes: u64): void {
  addStat(ST_LIVE_STACK, -(stackBytes as f64));
  addStat(ST_LIVE_GS, -(exits as f64));
  addStat(ST_DEADG_STACK, keptBytes as f64);
  addStat(ST_GFREE_LOCAL, exits as f64);
}

/** gcStart on P p: phase mark, free global G stacks, scan and shrink. */
export function gcStart(p: i32): i32 {
  if (!pValid(p, false)) return -ErrorCode.BadP;
  if (globalU32(GC_PHASE) != PHASE_OFF) return -ErrorCode.BadPhase;
  if (!hasHeadroom(shrinkWorstPages())) return -ErrorCode.OutOfMemory;
  gcStartOn(p);
  return 0;
}

/** gcFinish on P p: ends the cycle gcStart began. */
export function gcFinish(p: i32): i32 {
  if (!pValid(p, false)) return -ErrorCode.BadP;
  if (globalU32(GC_PHASE) != PHASE_MARK) return -ErrorCode.BadPhase;
  gcFinishOn();
  return 0;
}

/** A whole GC cycle on P p. */
export function gc(p: i32): i32 {
  const started = gcStart(p);
  if (started < 0) return started;
  return gcFinish(p);
}

/** procresize: GOMAXPROCS becomes procs (1..1024). */
export function procresize(procs: i32): i32 {
  if (procs < 1 || procs > (MAX_PROCS as i32)) return -ErrorCode.BadArgument;
  procresizeTo(procs as u32);
  return 0;
}

/** ReadMemStats' flush of every P's stack cache. */
export function readMemStats(): i32 {
  flushAllStackCaches();
  return 0;
}

/** Raw stackalloc of sizeBytes on P p (-1: no P). @returns the slot. */
export function rawStackalloc(sizeBytes: f64, p: i32): i32 {
  const sizeError = stackSizeError(sizeBytes);
  if (sizeError != 0) return -sizeError;
  if (!pValid(p, true)) return -ErrorCode.BadP;
  const bytes = sizeBytes as u32;
  if (!hasFreeRun(worstCasePages(bytes))) return -ErrorCode.OutOfMemory;
  const slot = stackalloc(bytes, p == -1 ? NO_P : (p as u32), OWNER_RAW);
  addStat(ST_RAW_STACK, sizeBytes);
  return slot as i32;
}

/** Size of the stacks a span holds. */
function spanElemBytes(span: u32): u32 {
  const order = spanOrder(span);
  return order == LARGE_ORDER ? spanPages(span) * PAGE_BYTES : orderBytes(order);
}

/** The first slot of the stack rawFreeError last accepted. */
let acceptedSlot: u32 = 0;

/**
 * Why a raw stack at (page, offsetBytes) of sizeBytes cannot be freed, or
 * 0 when it can (its first slot is then in acceptedSlot). page is -1 for
 * an address outside the arena.
 */
function rawFreeError(page: i32, offsetBytes: u32, sizeBytes: u32): i32 {
  if (page < 0 || (page as u32) >= globalU32(MAPPED_PAGES)) return ErrorCode.NotStackSpan;
  const span = pageSpan(page as u32);
  if (span == 0) return ErrorCode.NotStackSpan;
  const spanOffset = ((page as u32) - spanBasePage(span)) * PAGE_BYTES + offsetBytes;
  // Stack sizes are powers of two (a large span's pages too), so a mask
  // and a shift do what a remainder and a division would, more cheaply.
  const elemBytes = spanElemBytes(span);
  if ((spanOffset & (elemBytes - 1)) != 0) return ErrorCode.BadStackSize;
  if (spanPlace(span) == PLACE_LARGE) return ErrorCode.DoubleFree;
  const slot = pageSlot(spanBasePage(span)) + (spanOffset >> globalU32(FIXED_SHIFT));
  const word = slotWord(slot);
  if ((word & SLOT_OUT_BIT) == 0) return ErrorCode.DoubleFree;
  if ((word & SLOT_OWNER_MASK) != OWNER_RAW) return ErrorCode.BadStackSize;
  if (elemBytes != sizeBytes) return ErrorCode.BadStackSize;
  acceptedSlot = slot;
  return 0;
}

/**
 * Raw stackfree of the stack at (page, offsetBytes) in the arena, of
 * sizeBytes, on P p (-1: no P).
 */
export function rawStackfree(page: i32, offsetBytes: u32, sizeBytes: f64, p: i32): i32 {
  const sizeError = stackSizeError(sizeBytes);
  if (sizeError != 0) return -sizeError;
  if (!pValid(p, true)) return -ErrorCode.BadP;
  const bytes = sizeBytes as u32;
  const freeError = rawFreeError(page, offsetBytes, bytes);
  if (freeError != 0) return -freeError;
  addStat(ST_RAW_STACK, -sizeBytes);
  stackfree(acceptedSlot, bytes, p == -1 ? NO_P : (p as u32));
  return 0;
}

/** The stack slot of G g, for the host (valid while it has a stack). */
export function gStack(g: u32): u32 {
  return gStackSlot(g);
}

/**
 * The driver's raw stackalloc on no P, with sizeBytes a valid stack size
 * (the scenario compiler checked it). @returns the slot or -code.
 */
export function rawStackallocOn(sizeBytes: u32): i32 {
  if (!hasFreeRun(worstCasePages(sizeBytes))) return -ErrorCode.OutOfMemory;
  const slot = stackalloc(sizeBytes, NO_P, OWNER_RAW);
  addStat(ST_RAW_STACK, sizeBytes as f64);
  return slot as i32;
}

/** The driver's raw stackfree on no P of a raw stack it allocated. */
export function rawStackfreeSlot(slot: u32, sizeBytes: u32): void {
  addStat(ST_RAW_STACK, -(sizeBytes as f64));
  stackfree(slot, sizeBytes, NO_P);
}
