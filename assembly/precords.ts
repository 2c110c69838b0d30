// P records: what each P owns of the stack lifecycle, its stack cache (one
// intrusive list per order, linked through slot words) and its free-G
// list (an array of G entries, glist.ts). Fixed table of MAX_PROCS records
// at STATIC_BASE + PROCS_OFF.
//
// P record (P_RECORD_BYTES = 80)
// +0 + 8 * order  u32 cacheHead   first cached stack's slot + 1, 0 = empty
// +4 + 8 * order  u32 cacheBytes  bytes cached for that order
// +64             12 B gFree      list header (glist.ts); its count is the
//                                 runtime's gFree.n
// +76             (pad)

import { P_RECORD_BYTES, PROCS_OFF, STATIC_BASE } from "./layout";

/** Stands for "no P" (the runtime's m.p == 0) where a P index is taken. */
export const NO_P: u32 = 0xffffffff;

const GFREE_LIST_OFF: usize = 64;

// @ts-ignore: decorator
@inline function pAddr(p: u32): usize {
  return STATIC_BASE + PROCS_OFF + (p as usize) * P_RECORD_BYTES;
}

// @ts-ignore: decorator
@inline export function cacheHead(p: u32, order: u32): u32 {
  return load<u32>(pAddr(p) + ((order as usize) << 3));
}
// @ts-ignore: decorator
@inline export function setCacheHead(p: u32, order: u32, link: u32): void {
  store<u32>(pAddr(p) + ((order as usize) << 3), link);
}
// @ts-ignore: decorator
@inline export function cacheBytes(p: u32, order: u32): u32 {
  return load<u32>(pAddr(p) + ((order as usize) << 3), 4);
}
// @ts-ignore: decorator
@inline export function setCacheBytes(p: u32, order: u32, bytes: u32): void {
  store<u32>(pAddr(p) + ((order as usize) << 3), bytes, 4);
}
/** Address of the header of P's free-G list (glist.ts). */
// @ts-ignore: decorator
@inline export function pGFreeList(p: u32): usize {
  return pAddr(p) + GFREE_LIST_OFF;
}
