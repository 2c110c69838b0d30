// copystack of runtime/stack.go as far as memory goes: a new stack is
// allocated, then the old one freed, both on the goroutine's P. Growth
// (newstack) and the growth chain's checks are in operations.ts; shrinking
// (shrinkstack) in gc.ts.

import {
  recStackBytes, recStackSlot, setRecStack,
} from "./goroutines";
import { stackallocInlined, stackfreeInlined } from "./stackalloc";
import { ST_LIVE_STACK, addStat } from "./stats";

/**
 * Moves live goroutine g (rec = gRecord(g)) to a new stack of newBytes
 * (alloc, then free).
 */
// @ts-ignore: decorator
@inline export function copystack(g: u32, rec: usize, newBytes: u32, p: u32): void {
  const oldSlot = recStackSlot(rec);
  const oldBytes = recStackBytes(rec);
  const newSlot = stackallocInlined(newBytes, p, g);
  stackfreeInlined(oldSlot, oldBytes, p);
  addStat(ST_LIVE_STACK, (newBytes as f64) - (oldBytes as f64));
  setRecStack(rec, newSlot, newBytes);
}
