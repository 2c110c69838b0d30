// copystack of runtime/stack.go as far as memory goes: a new stack is
// allocated, then the old one freed, both on the goroutine's P. Growth
// (newstack) and the growth chain's checks are in operations.ts; shrinking
// (shrinkstack) in gc.ts.

import {
  recStackBytes, recStackSlot, setRecStack,
} from "./goroutines";
import { NO_P, cacheHead } from "./precords";
import { isSmallStack, stackOrder, stackallocInlined, stackfreeInlined } from "./stackalloc";
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

/**
 * Whether the runtime's stackalloc of an intermediate stack of sizeBytes
 * on P p, freed again at the next doubling of the same growth chain, is a
 * pop and a push of one stack with nothing else in between: a small stack
 * whose cache on p is not empty. The pop leaves the cache below its limit,
 * so the push is sure to take the fast path, and no step of the chain in
 * between touches that order's cache (each doubling has its own order).
 */
// @ts-ignore: decorator
@inline function isNoOpIntermediate(sizeBytes: u32, p: u32): bool {
  return p != NO_P && isSmallStack(sizeBytes) && cacheHead(p, stackOrder(sizeBytes)) != 0;
}

/**
 * newstack's copies for a growth chain: `doublings` copystacks of live
 * goroutine g (rec = gRecord(g)) on P p, each to twice the size. An
 * intermediate stack whose alloc and free are a pop and push of the same
 * cached stack (isNoOpIntermediate) is skipped: the pop sets the stack's
 * slot word to "handed out" and the push writes back the very link it
 * held, and the cache's bytes go down and up by the same amount, so every
 * byte of state ends as the runtime's sequence leaves it. The frees and
 * allocs that remain keep their order.
 */
// @ts-ignore: decorator
@inline export function growChain(g: u32, rec: usize, doublings: i32, p: u32): void {
  const startBytes = recStackBytes(rec);
  // The stack the chain holds now; 0 bytes once the held stack is a
  // skipped intermediate, which has no free of its own.
  let slot = recStackSlot(rec);
  let bytes = startBytes;
  let newBytes = startBytes;
  for (let i = 1; i <= doublings; i++) {
    newBytes <<= 1;
    if (i < doublings && isNoOpIntermediate(newBytes, p)) {
      if (bytes != 0) stackfreeInlined(slot, bytes, p);
      bytes = 0;
      continue;
    }
    const newSlot = stackallocInlined(newBytes, p, g);
    if (bytes != 0) stackfreeInlined(slot, bytes, p);
    slot = newSlot;
    bytes = newBytes;
  }
  addStat(ST_LIVE_STACK, (newBytes as f64) - (startBytes as f64));
  setRecStack(rec, slot, newBytes);
}
