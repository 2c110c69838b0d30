// Bump allocation of linear memory for the core's own tables. Blocks are
// never freed: every table only grows (chunks are never unmapped, G and span
// record blocks are reused through their own free lists). A table that must
// stay one contiguous array grows by moving to a larger block (moveBytes);
// the block it leaves is abandoned.

import { invariant } from "./checks";
import { MSG_WASM_MEMORY } from "./errors";
import { BUMP_TOP, globalU32, setGlobalU32 } from "./globals";

const WASM_PAGE_SHIFT: u32 = 16;
/** Grow by at least this many 64 KiB pages (1 MiB) to keep grows rare. */
const MIN_GROW_PAGES: usize = 16;

/**
 * Reserves `bytes` bytes (16-byte aligned), zero-filled, growing linear
 * memory as needed. Memory from memory.grow is zero, and no block is ever
 * reused, so no fill is needed.
 * Limitation: wasm32 memory ends at 4 GiB; past it the core traps, which
 * the host reports as an InvariantError instead of a clean refusal.
 */
export function reserveBytes(bytes: usize): usize {
  const addr = globalU32(BUMP_TOP) as usize;
  const end = (addr + bytes + 15) & ~(15 as usize);
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
 * Moves a table to a fresh zero-filled block of `newBytes`, copying its
 * first `usedBytes`, and returns the new address. The old block is
 * abandoned, never reused.
 * Hazard: every address computed into the old block is stale after this;
 * callers grow their tables only where no such address is held (see the
 * callers of growAddrArrays in heap.ts, growSpans in spans.ts and
 * growGRecords in goroutines.ts).
 */
export function moveBytes(oldAddr: usize, usedBytes: usize, newBytes: usize): usize {
  const addr = reserveBytes(newBytes);
  if (usedBytes != 0) memory.copy(addr, oldAddr, usedBytes);
  return addr;
}
