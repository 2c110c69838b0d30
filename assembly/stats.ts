// The STATS block: every field of Stats (src/types.ts) as f64, in the
// order of STATS_FIELDS, updated as the model changes so the host reads it
// without a walk. Lives at STATIC_BASE + STATS_OFF (layout.ts).
//
// STATS (20 x f64 = 160 bytes), offset = field index * 8
//  0 stackInuse        5 largeCacheBytes  10 shrinkCopies  15 gfreeGlobalNoStack
//  1 liveStackBytes    6 rawStackBytes    11 cacheRefills  16 liveGoroutines
//  2 deadGStackBytes   7 spanAllocs       12 cacheReleases 17 startingStackSize
//  3 pCacheBytes       8 spanFrees        13 gfreeLocal    18 heapPages
//  4 poolFreeBytes     9 growCopies       14 gfreeGlobalStack 19 gcCycles

import { STATIC_BASE, STATS_OFF } from "./layout";
import { ABLATE_STATS, ablated } from "./ablations";

export const ST_STACK_INUSE: u32 = 0;
export const ST_LIVE_STACK: u32 = 1;
export const ST_DEADG_STACK: u32 = 2;
export const ST_PCACHE: u32 = 3;
export const ST_POOL_FREE: u32 = 4;
export const ST_LARGE_CACHE: u32 = 5;
export const ST_RAW_STACK: u32 = 6;
export const ST_SPAN_ALLOCS: u32 = 7;
export const ST_SPAN_FREES: u32 = 8;
export const ST_GROW_COPIES: u32 = 9;
export const ST_SHRINK_COPIES: u32 = 10;
export const ST_CACHE_REFILLS: u32 = 11;
export const ST_CACHE_RELEASES: u32 = 12;
export const ST_GFREE_LOCAL: u32 = 13;
export const ST_GFREE_GSTACK: u32 = 14;
export const ST_GFREE_GNOSTACK: u32 = 15;
export const ST_LIVE_GS: u32 = 16;
export const ST_STARTING_STACK: u32 = 17;
export const ST_HEAP_PAGES: u32 = 18;
export const ST_GC_CYCLES: u32 = 19;
export const STATS_COUNT: u32 = 20;

/** Address of the STATS block, for the host. */
export function statsAddress(): usize {
  return STATIC_BASE + STATS_OFF;
}

// @ts-ignore: decorator
@inline export function stat(field: u32): f64 {
  return load<f64>(STATIC_BASE + STATS_OFF + ((field as usize) << 3));
}

// @ts-ignore: decorator
@inline export function setStat(field: u32, value: f64): void {
  store<f64>(STATIC_BASE + STATS_OFF + ((field as usize) << 3), value);
}

// @ts-ignore: decorator
@inline export function addStat(field: u32, delta: f64): void {
  if (ablated(ABLATE_STATS)) return;
  setStat(field, stat(field) + delta);
}
