// Bump allocation of linear memory for the core's own tables. Blocks are
// never freed: every table only grows (chunks are never unmapped, G and span
// record blocks are reused through their own free lists).

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
