// P records: what each P owns of the stack lifecycle, its stack cache (one
// intrusive list per order, linked through slot words) and its free-G
// list (linked through the Gs' schedlink). Fixed table of MAX_PROCS records
// at STATIC_BASE + PROCS_OFF.
//
// P record (P_RECORD_BYTES = 72)
// +0 + 8 * order  u32 cacheHead   first cached stack's slot + 1, 0 = empty
// +4 + 8 * order  u32 cacheBytes  bytes cached for that order
// +64             u32 gFreeHead   first free G's index + 1, 0 = empty
// +68             u32 gFreeCount  Gs on that list (the runtime's gFree.n)

import { P_RECORD_BYTES, PROCS_OFF, STATIC_BASE } from "./layout";

/** Stands for "no P" (the runtime's m.p == 0) where a P index is taken. */
export const NO_P: u32 = 0xffffffff;

const GFREE_HEAD_OFF: usize = 64;
const GFREE_COUNT_OFF: usize = 68;

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
// @ts-ignore: decorator
@inline export function pGFreeHead(p: u32): u32 {
  return load<u32>(pAddr(p) + GFREE_HEAD_OFF);
}
// @ts-ignore: decorator
@inline export function setPGFreeHead(p: u32, link: u32): void {
  store<u32>(pAddr(p) + GFREE_HEAD_OFF, link);
}
// @ts-ignore: decorator
@inline export function pGFreeCount(p: u32): u32 {
  return load<u32>(pAddr(p) + GFREE_COUNT_OFF);
}
// @ts-ignore: decorator
@inline export function setPGFreeCount(p: u32, count: u32): void {
  store<u32>(pAddr(p) + GFREE_COUNT_OFF, count);
}
