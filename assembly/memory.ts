// Bump allocation of linear memory for the core's own tables. Tables only
// grow (chunks are never unmapped, G and span records are reused through
// their own free lists). A table that must stay one contiguous array grows
// by moving to a larger block (moveBytes); the block it leaves goes in a
// small table of free blocks, and later reservations take the smallest
// free block that fits (its rest stays free) before they bump. Without
// that, the arrays' old blocks, which stay resident, cost a million
// goroutines about 40 MiB of linear memory and resident memory.
//
// Free-block table (FREE_BLOCKS_MAX entries of 8 bytes, reserved on the
// first release): +0 u32 address, +4 u32 bytes (a multiple of 16).
// Limitation: once the table is full a released block is abandoned, and
// a free block is never merged with its neighbours.

import { invariant } from "./checks";
import { MSG_WASM_MEMORY } from "./errors";
import {
  BUMP_TOP, FREE_BLOCKS, FREE_BLOCK_COUNT, globalU32, setGlobalU32,
} from "./globals";

const WASM_PAGE_SHIFT: u32 = 16;
/** Grow by at least this many 64 KiB pages (1 MiB) to keep grows rare. */
const MIN_GROW_PAGES: usize = 16;
/** Entries of the free-block table. */
const FREE_BLOCKS_MAX: u32 = 256;
const FREE_BLOCK_BYTES: usize = 8;
/** A free block's rest smaller than this is not kept. */
const MIN_FREE_REST: usize = 64;

// @ts-ignore: decorator
@inline function roundUp16(bytes: usize): usize {
  return (bytes + 15) & ~(15 as usize);
}

/**
 * Takes the smallest free block of at least `bytes` (a multiple of 16),
 * keeping its rest free when that is worth a table entry.
 * @returns its address, or 0 when none fits
 */
function takeFreeBlock(bytes: usize): usize {
  const count = globalU32(FREE_BLOCK_COUNT);
  const table = globalU32(FREE_BLOCKS) as usize;
  let best: u32 = count;
  let bestBytes: usize = 0;
  for (let i: u32 = 0; i < count; i++) {
    const size = load<u32>(table + (i as usize) * FREE_BLOCK_BYTES, 4) as usize;
    if (size >= bytes && (best == count || size < bestBytes)) {
      best = i;
      bestBytes = size;
    }
  }
  if (best == count) return 0;
  const entry = table + (best as usize) * FREE_BLOCK_BYTES;
  const addr = load<u32>(entry) as usize;
  const rest = bestBytes - bytes;
  if (rest >= MIN_FREE_REST) {
    store<u32>(entry, (addr + bytes) as u32);
    store<u32>(entry, rest as u32, 4);
  } else {
    const last = table + ((count - 1) as usize) * FREE_BLOCK_BYTES;
    store<u64>(entry, load<u64>(last));
    setGlobalU32(FREE_BLOCK_COUNT, count - 1);
  }
  return addr;
}

/**
 * Puts a block a moved table left behind (`bytes` as it was reserved) in
 * the free-block table, or abandons it when the table is full.
 */
function releaseBytes(addr: usize, bytes: usize): void {
  if (addr == 0 || bytes == 0) return;
  if (globalU32(FREE_BLOCKS) == 0) {
    const table = bumpBytes((FREE_BLOCKS_MAX as usize) * FREE_BLOCK_BYTES);
    setGlobalU32(FREE_BLOCKS, table as u32);
  }
  const count = globalU32(FREE_BLOCK_COUNT);
  if (count >= FREE_BLOCKS_MAX) return;
  const entry = (globalU32(FREE_BLOCKS) as usize) + (count as usize) * FREE_BLOCK_BYTES;
  store<u32>(entry, addr as u32);
  store<u32>(entry, roundUp16(bytes) as u32, 4);
  setGlobalU32(FREE_BLOCK_COUNT, count + 1);
}

/**
 * Reserves `bytes` bytes (16-byte aligned), zero-filled: a free block
 * when one fits (filled with zeros here), else fresh memory from the top
 * of the bump region, growing linear memory as needed (memory from
 * memory.grow is zero).
 * Limitation: wasm32 memory ends at 4 GiB; past it the core traps, which
 * the host reports as an InvariantError instead of a clean refusal.
 */
export function reserveBytes(bytes: usize): usize {
  if (globalU32(FREE_BLOCK_COUNT) != 0) {
    const reused = takeFreeBlock(roundUp16(bytes));
    if (reused != 0) {
      memory.fill(reused, 0, bytes);
      return reused;
    }
  }
  return bumpBytes(bytes);
}

/** reserveBytes from the top of the bump region only. */
function bumpBytes(bytes: usize): usize {
  const addr = globalU32(BUMP_TOP) as usize;
  const end = roundUp16(addr + bytes);
  invariant(end >= addr, MSG_WASM_MEMORY);
  const havePages = memory.size() as usize;
  const needPages = (end + 0xffff) >> WASM_PAGE_SHIFT;
  if (needPages > havePages) {
    let growPages = needPages - havePages;
    if (growPages < MIN_GROW_PAGES) growPages = MIN_GROW_PAGES;
    if (memory.grow(growPages as i32) < 0) unreachable();
  }
  setGlobalU32(BUMP_TOP, end as u32);
  return addr;
}

/**
 * Moves a table of `oldBytes` at oldAddr (0 bytes: none yet) to a
 * zero-filled block of `newBytes`, copying its first `usedBytes`, and
 * returns the new address. The old block becomes free for later
 * reservations.
 * Hazard: every address computed into the old block is stale after this,
 * and writing through one would now corrupt whatever reuses the block;
 * callers grow their tables only where no such address is held (see the
 * callers of growAddrArrays in heap.ts, growSpans in spans.ts and
 * growGRecords in goroutines.ts).
 */
export function moveBytes(oldAddr: usize, oldBytes: usize, usedBytes: usize,
  newBytes: usize): usize {
  const addr = reserveBytes(newBytes);
  if (usedBytes != 0) memory.copy(addr, oldAddr, usedBytes);
  releaseBytes(oldAddr, oldBytes);
  return addr;
}
