// procresize of runtime/proc.go as far as stacks go: a P that goes away
// gives its free Gs to the global lists (gfpurge) and clears its stack
// cache; its goroutines move to P (index mod n). Also the cache flush of
// ReadMemStats (flushallmcaches).

import { G_COUNT, PROCS, globalU32, setGlobalU32 } from "./globals";
import { gP, setGP } from "./goroutines";
import { gfpurge } from "./gfree";
import { stackcacheClear } from "./stackcache";

/** procresize: GOMAXPROCS becomes `procs` (checked by the caller). */
export function procresizeTo(procs: u32): void {
  const old = globalU32(PROCS);
  for (let p = procs; p < old; p++) {
    gfpurge(p);
    stackcacheClear(p);
  }
  // Limitation: goroutines of a removed P go to P (index mod n), not to
  // the global run queue, so the P whose cache serves their later growth
  // and exit follows a fixed rule instead of the scheduler.
  const count = globalU32(G_COUNT);
  for (let g: u32 = 0; g < count; g++) {
    if (gP(g) >= procs) setGP(g, gP(g) % procs);
  }
  setGlobalU32(PROCS, procs);
}

/** flushallmcaches' stack half: every P's cache goes back to the pool. */
export function flushAllStackCaches(): void {
  const procs = globalU32(PROCS);
  for (let p: u32 = 0; p < procs; p++) stackcacheClear(p);
}
