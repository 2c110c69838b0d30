// Free-G lists as arrays. The runtime links its free Gs through
// g.schedlink; walking such a list touches every G's record, and the
// P-to-global traffic of gfput and gfget (every G of a churning P passes
// through the global lists once per 32 lifecycles) made those record
// loads a quarter of the core's time. Here each list is an array of
// entries with the list's head at the top, so moving Gs between lists
// reads and writes entries only. The order of every list is the
// runtime's: walking an array from the top down gives the linked list
// from its head.
//
// List header (G_LIST_HEADER_BYTES = 12), in a P record or in GLOBALS
// +0 u32 entriesAddr  address of the entry array, 0 = none reserved yet
// +4 u32 count        entries in use; entry count - 1 is the list's head
// +8 u32 capacity     entries the array holds
//
// Entry (u32)
//   bits 0..30  G index
//   bit  31     ENTRY_HAS_STACK: the dead G keeps a stack. Only P lists
//               need it (gfput sorts them into the two global lists by
//               it); entries of the global lists leave it clear.
//
// An array that outgrows its block moves to one twice as large; the old
// block goes to memory.ts's free blocks. Callers hold no entry address of
// a list across a push or reserve on that same list.

import { moveBytes } from "./memory";

export const G_LIST_HEADER_BYTES: usize = 12;
export const ENTRY_HAS_STACK: u32 = 0x80000000;
export const ENTRY_G_MASK: u32 = 0x7fffffff;
/** Entries of a list's first array; doubled as the list grows. */
const MIN_ENTRIES: u32 = 64;
const ENTRY_SHIFT: usize = 2;

const ENTRIES_OFF: usize = 0;
const COUNT_OFF: usize = 4;
const CAPACITY_OFF: usize = 8;

// @ts-ignore: decorator
@inline export function listEntries(header: usize): usize {
  return load<u32>(header, ENTRIES_OFF) as usize;
}
// @ts-ignore: decorator
@inline export function listCount(header: usize): u32 {
  return load<u32>(header, COUNT_OFF);
}
// @ts-ignore: decorator
@inline export function setListCount(header: usize, count: u32): void {
  store<u32>(header, count, COUNT_OFF);
}

/** Address of entry `index` of an entry array. */
// @ts-ignore: decorator
@inline export function entryAddr(entries: usize, index: u32): usize {
  return entries + ((index as usize) << ENTRY_SHIFT);
}

/**
 * Makes room for at least `entries` entries, moving the array to a block
 * at least twice as large when it is too small. Callers reserve before a
 * loop of pushes so that the loop itself needs no capacity test.
 */
export function listReserve(header: usize, entries: u32): void {
  const capacity = load<u32>(header, CAPACITY_OFF);
  if (entries <= capacity) return;
  let grown = capacity < MIN_ENTRIES ? MIN_ENTRIES : capacity << 1;
  if (grown < entries) grown = entries;
  const moved = moveBytes(listEntries(header), (capacity as usize) << ENTRY_SHIFT,
    (listCount(header) as usize) << ENTRY_SHIFT, (grown as usize) << ENTRY_SHIFT);
  store<u32>(header, moved as u32, ENTRIES_OFF);
  store<u32>(header, grown, CAPACITY_OFF);
}

/** Pushes one entry at the head, growing the array when it is full. */
// @ts-ignore: decorator
@inline export function listPush(header: usize, entry: u32): u32 {
  const count = listCount(header);
  if (count >= load<u32>(header, CAPACITY_OFF)) listReserve(header, count + 1);
  store<u32>(entryAddr(listEntries(header), count), entry);
  setListCount(header, count + 1);
  return count + 1;
}

/**
 * Appends the whole of list `from`, in its order, after the last entry
 * of list `to` (so `from`'s head becomes `to`'s head), and empties
 * `from`: the runtime's "these Gs, in the same order, in front of the
 * other list".
 */
export function listMoveAllInFront(from: usize, to: usize): void {
  const moving = listCount(from);
  if (moving == 0) return;
  const kept = listCount(to);
  listReserve(to, kept + moving);
  memory.copy(entryAddr(listEntries(to), kept), listEntries(from),
    (moving as usize) << ENTRY_SHIFT);
  setListCount(to, kept + moving);
  setListCount(from, 0);
}
