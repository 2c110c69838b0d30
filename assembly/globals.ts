// The GLOBALS record: the configuration given at init and every scalar of
// the model's state (GC phase, list heads, counters). Fixed at
// STATIC_BASE + GLOBALS_OFF (layout.ts). Lists of spans and Gs have their
// heads here; the records they link live in spans.ts and goroutines.ts.
//
// GLOBALS (512 bytes; u32 unless marked)
// +0   FIXED_STACK          _FixedStack, bytes
// +4   FIXED_SHIFT          log2(FixedStack)
// +8   NUM_ORDERS           small-stack orders (policy)
// +12  STACK_GUARD          _StackGuard, bytes
// +16  STACK_LIMIT          _StackLimit, bytes
// +20  MAX_STACK            maxstacksize, bytes
// +24  NEWG_STACK           malg's stack, bytes
// +28  CACHE_BYTES          _StackCacheSize (policy), bytes
// +32  SPILL_AT             gfput spills at this many local Gs
// +36  KEEP                 gfput keeps / gfget refills to this many
// +40  KEEP_GROWN           keepGrownStackBytes policy, bytes, 0 = off
// +44  ADAPTIVE             adaptive start on (1) or off (0)
// +48  PROCS                GOMAXPROCS now
// +52  LIMIT_PAGES          heap limit, pages
// +56  MAPPED_PAGES         pages of the arena mapped so far
// +60  GC_PHASE             PHASE_OFF / PHASE_MARK / PHASE_MARKTERM
// +64  STARTING_STACK       startingStackSize, bytes
// +68  G_COUNT              Gs created (allgs length)
// +72  SLOTS_BASE           address of the slot word array (layout.ts)
// +76  PAGE_SPANS_BASE      address of the pageSpan array (layout.ts)
// +80  SPAN_HIGH            span ids handed out so far (ids from 1)
// +84  SPAN_RECYCLED        first recycled span record id, 0 = none
// +88  BUMP_TOP             next free byte of the bump region
// +92  LIMIT_CHUNKS         chunks below the heap limit
// +96  TREE_LEAVES          leaves of the top tree (power of two)
// +100 CHUNK_DIR            address of the chunk directory
// +104 TOP_TREE             address of the top summary tree
// +108 G_RECORDS            address of the G record array (goroutines.ts)
// +112 SPANS_BASE           address of the span record array (spans.ts)
// +116 SCRATCH              address of the snapshot scratch buffer
// +120 SCRATCH_BYTES        its capacity
// +124 SLOTS_PER_PAGE_SHIFT log2(PAGE_BYTES / FixedStack)
// +128 f64 NEXT_GOID        goroutine id the next newproc gets
// +136 f64 SCAN_BYTES       used bytes summed by the scan of this cycle
// +144 f64 SCAN_COUNT       goroutines scanned this cycle
// +152 LARGE_LISTS          stackLarge lists touched so far (snapshot length)
// +156 MAPPED_CHUNKS        chunks mapped so far
// +160 SCRATCH_USED         f64 values written by the last walker
// +164 G_CAPACITY           G records that array has room for
// +168 NEWPROC_WORST_PAGES  pages newproc may take from the heap in the
//                           worst case (stackalloc.ts, setStartingStack)
// +172 SMALL_STACK_LIMIT    stacks below this many bytes come from the pools
//                           (min(FixedStack << orders, stack cache size))
// +176 12 B GFREE_STACK     sched.gFree.stack, a list header (glist.ts)
// +188 12 B GFREE_NOSTACK   sched.gFree.noStack, a list header
// +200 ADDR_CAP_CHUNKS      chunks the slot word and pageSpan arrays have
//                           room for
// +204 SPANS_CAP            span records the span array has room for
// +208 FREE_BLOCKS          address of the table of blocks moved arrays
//                           left behind (memory.ts), 0 = none yet
// +212 FREE_BLOCK_COUNT     blocks in that table

import { GLOBALS_OFF, STATIC_BASE } from "./layout";

export const FIXED_STACK: usize = 0;
export const FIXED_SHIFT: usize = 4;
export const NUM_ORDERS: usize = 8;
export const STACK_GUARD: usize = 12;
export const STACK_LIMIT: usize = 16;
export const MAX_STACK: usize = 20;
export const NEWG_STACK: usize = 24;
export const CACHE_BYTES: usize = 28;
export const SPILL_AT: usize = 32;
export const KEEP: usize = 36;
export const KEEP_GROWN: usize = 40;
export const ADAPTIVE: usize = 44;
export const PROCS: usize = 48;
export const LIMIT_PAGES: usize = 52;
export const MAPPED_PAGES: usize = 56;
export const GC_PHASE: usize = 60;
export const STARTING_STACK: usize = 64;
export const G_COUNT: usize = 68;
export const SLOTS_BASE: usize = 72;
export const PAGE_SPANS_BASE: usize = 76;
export const SPAN_HIGH: usize = 80;
export const SPAN_RECYCLED: usize = 84;
export const BUMP_TOP: usize = 88;
export const LIMIT_CHUNKS: usize = 92;
export const TREE_LEAVES: usize = 96;
export const CHUNK_DIR: usize = 100;
export const TOP_TREE: usize = 104;
export const G_RECORDS: usize = 108;
export const SPANS_BASE: usize = 112;
export const SCRATCH: usize = 116;
export const SCRATCH_BYTES: usize = 120;
export const SLOTS_PER_PAGE_SHIFT: usize = 124;
export const NEXT_GOID: usize = 128;
export const SCAN_BYTES: usize = 136;
export const SCAN_COUNT: usize = 144;
export const LARGE_LISTS: usize = 152;
export const MAPPED_CHUNKS: usize = 156;
export const SCRATCH_USED: usize = 160;
export const G_CAPACITY: usize = 164;
export const NEWPROC_WORST_PAGES: usize = 168;
export const SMALL_STACK_LIMIT: usize = 172;
export const GFREE_STACK: usize = 176;
export const GFREE_NOSTACK: usize = 188;
export const ADDR_CAP_CHUNKS: usize = 200;
export const SPANS_CAP: usize = 204;
export const FREE_BLOCKS: usize = 208;
export const FREE_BLOCK_COUNT: usize = 212;

/** GC phases, as the runtime's gcphase. */
export const PHASE_OFF: u32 = 0;
export const PHASE_MARK: u32 = 1;
export const PHASE_MARKTERM: u32 = 2;

/** Address of a GLOBALS field (for the records kept there, not scalars). */
// @ts-ignore: decorator
@inline export function globalAddr(off: usize): usize {
  return STATIC_BASE + GLOBALS_OFF + off;
}

// @ts-ignore: decorator
@inline export function globalU32(off: usize): u32 {
  return load<u32>(STATIC_BASE + GLOBALS_OFF + off);
}

// @ts-ignore: decorator
@inline export function setGlobalU32(off: usize, value: u32): void {
  store<u32>(STATIC_BASE + GLOBALS_OFF + off, value);
}

// @ts-ignore: decorator
@inline export function globalF64(off: usize): f64 {
  return load<f64>(STATIC_BASE + GLOBALS_OFF + off);
}

// @ts-ignore: decorator
@inline export function setGlobalF64(off: usize, value: f64): void {
  store<f64>(STATIC_BASE + GLOBALS_OFF + off, value);
}

/** Bytes of a stack of the given order. */
// @ts-ignore: decorator
@inline export function orderBytes(order: u32): u32 {
  return globalU32(FIXED_STACK) << order;
}

/** Pages of a stack pool span (stackCacheBytes / PAGE_BYTES). */
// @ts-ignore: decorator
@inline export function poolSpanPages(): u32 {
  return globalU32(CACHE_BYTES) >> 13;
}
