// Per-P stack caches: stackcacherefill, stackcacherelease and
// stackcache_clear of runtime/stack.go. A cache is a LIFO of free stacks
// per order, linked through the stacks' slot words; its byte count lives
// in the P record (precords.ts).

import { invariant } from "./checks";
import { MSG_CACHE_BYTES } from "./errors";
import { CACHE_BYTES, NUM_ORDERS, globalU32, orderBytes } from "./globals";
import { setSlotWord, slotWord } from "./layout";
import {
  cacheBytes, cacheHead, setCacheBytes, setCacheHead,
} from "./precords";
import { stackpoolalloc, stackpoolfree } from "./stackpool";
import {
  ST_CACHE_REFILLS, ST_CACHE_RELEASES, ST_PCACHE, addStat,
} from "./stats";

/**
 * Pushes a free stack at the front of P's cache for `order`. Inlined: it
 * is most of what a stackfree on a P does.
 */
// @ts-ignore: decorator
@inline export function cachePush(p: u32, order: u32, slot: u32): void {
  const bytes = orderBytes(order);
  setSlotWord(slot, cacheHead(p, order));
  setCacheHead(p, order, slot + 1);
  setCacheBytes(p, order, cacheBytes(p, order) + bytes);
  addStat(ST_PCACHE, bytes as f64);
}

/**
 * Pops the front stack of P's cache for `order` (it must not be empty).
 * Inlined: it is most of what a stackalloc on a P does.
 */
// @ts-ignore: decorator
@inline export function cachePop(p: u32, order: u32): u32 {
  const bytes = orderBytes(order);
  const head = cacheHead(p, order);
  invariant(head != 0 && cacheBytes(p, order) >= bytes, MSG_CACHE_BYTES);
  const slot = head - 1;
  setCacheHead(p, order, slotWord(slot));
  setCacheBytes(p, order, cacheBytes(p, order) - bytes);
  addStat(ST_PCACHE, -(bytes as f64));
  return slot;
}

/** stackcacherefill: take pool stacks until half the cache limit. */
export function stackcacherefill(p: u32, order: u32): void {
  addStat(ST_CACHE_REFILLS, 1);
  const half = globalU32(CACHE_BYTES) >> 1;
  while (cacheBytes(p, order) < half) cachePush(p, order, stackpoolalloc(order));
}

/** stackcacherelease: give front stacks back until half the limit. */
export function stackcacherelease(p: u32, order: u32): void {
  addStat(ST_CACHE_RELEASES, 1);
  const half = globalU32(CACHE_BYTES) >> 1;
  while (cacheBytes(p, order) > half) stackpoolfree(cachePop(p, order), order);
}

/** stackcache_clear: every cached stack of P goes back to the pool. */
export function stackcacheClear(p: u32): void {
  const orders = globalU32(NUM_ORDERS);
  for (let order: u32 = 0; order < orders; order++) {
    while (cacheHead(p, order) != 0) stackpoolfree(cachePop(p, order), order);
  }
}
