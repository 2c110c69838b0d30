// Engine set-up: the configuration from the host (platform constants,
// policy, heap limit) and the empty tables. One engine per instance.

import { ErrorCode } from "./errors";
import {
  ADAPTIVE, BUMP_TOP, CACHE_BYTES, FIXED_SHIFT, FIXED_STACK, KEEP,
  KEEP_GROWN, MAX_STACK, NEWG_STACK, NUM_ORDERS, PROCS, SLOTS_PER_PAGE_SHIFT, SMALL_STACK_LIMIT,
  SPILL_AT, STACK_GUARD, STACK_LIMIT, globalU32,
  setGlobalU32,
} from "./globals";
import { gRecordsInit } from "./goroutines";
import { heapInit } from "./heap";
import {
  DYNAMIC_BASE, MAX_ORDERS, MAX_PROCS, PAGE_BYTES, PAGE_SHIFT, STATIC_BASE,
} from "./layout";
import { setStartingStack } from "./stackalloc";

/** Most pages a heap may have: 2^31 slots of the smallest FixedStack. */
const MAX_LIMIT_PAGES: u32 = 1 << 29;
const MIN_FIXED_STACK: u32 = 2048;

function isPow2(x: u32): bool {
  return x != 0 && (x & (x - 1)) == 0;
}

/** Grows memory so the fixed region exists, before any global is set. */
function mapStaticRegion(): void {
  // The static data (check messages) must end below the fixed region, or
  // the first global written would overwrite it.
  if (__heap_base > STATIC_BASE) unreachable();
  const needPages = ((DYNAMIC_BASE + 0xffff) >> 16) as i32;
  const havePages = memory.size();
  if (needPages > havePages && memory.grow(needPages - havePages) < 0) unreachable();
  setGlobalU32(BUMP_TOP, DYNAMIC_BASE as u32);
}

function configValid(fixedStack: u32, orders: u32, cacheBytes: u32,
  procs: u32, limitPages: u32, spillAt: u32, keep: u32): bool {
  return isPow2(fixedStack) && fixedStack >= MIN_FIXED_STACK
    && fixedStack <= PAGE_BYTES && orders >= 1 && orders <= MAX_ORDERS
    && (fixedStack << orders) >= PAGE_BYTES
    && isPow2(cacheBytes) && cacheBytes >= PAGE_BYTES
    && procs >= 1 && procs <= MAX_PROCS
    && limitPages >= 1 && limitPages <= MAX_LIMIT_PAGES
    && keep >= 1 && keep < spillAt;
}

/**
 * Configures the engine. A large stack must be whole pages, so
 * FixedStack << orders may not be below a page (otherwise a stack too big
 * for the pools would be smaller than the span it needs). Sizes in bytes, the limit in pages.
 * @returns 0, or -ErrorCode.BadArgument for a configuration the core
 * cannot hold (a second init included)
 */
export function init(fixedStack: u32, orders: u32, guard: u32, limit: u32,
  maxStack: u32, newGStack: u32, cacheBytes: u32, spillAt: u32, keep: u32,
  keepGrown: u32, adaptive: u32, procs: u32, limitPages: u32): i32 {
  if (memory.size() > 0 && globalU32(BUMP_TOP) != 0) return -ErrorCode.BadArgument;
  if (!configValid(fixedStack, orders, cacheBytes, procs, limitPages, spillAt, keep)) {
    return -ErrorCode.BadArgument;
  }
  mapStaticRegion();
  const fixedShift = <u32>ctz(fixedStack);
  setGlobalU32(FIXED_STACK, fixedStack);
  setGlobalU32(FIXED_SHIFT, fixedShift);
  setGlobalU32(SLOTS_PER_PAGE_SHIFT, PAGE_SHIFT - fixedShift);
  setGlobalU32(NUM_ORDERS, orders);
  setGlobalU32(STACK_GUARD, guard);
  setGlobalU32(STACK_LIMIT, limit);
  setGlobalU32(MAX_STACK, maxStack);
  setGlobalU32(NEWG_STACK, newGStack);
  setGlobalU32(CACHE_BYTES, cacheBytes);
  // Pool stacks are those of the small orders that also fit a pool span
  // (stackalloc's test, precomputed: it runs on every stack operation).
  const orderLimit = fixedStack << orders;
  setGlobalU32(SMALL_STACK_LIMIT, orderLimit < cacheBytes ? orderLimit : cacheBytes);
  setGlobalU32(SPILL_AT, spillAt);
  setGlobalU32(KEEP, keep);
  setGlobalU32(KEEP_GROWN, keepGrown);
  setGlobalU32(ADAPTIVE, adaptive);
  setGlobalU32(PROCS, procs);
  setStartingStack(fixedStack);

  heapInit(limitPages);
  gRecordsInit();
  return 0;
}
