// Parts of the model a measurement-only build leaves out. ABLATE is a
// compile-time mask of the bits below; both real builds set it to 0
// (asconfig.json), and only bench/headroom.ts compiles the core with
// bits set, to measure what each part costs by its absence. Such a core
// gives wrong counters or wrong behaviour: it exports its mask as
// ABLATIONS, and the host refuses it unless told the core is for
// measuring (instantiateCore in src/wasm/load.ts).

/** addStat does nothing, so every counter stays at its initial value. */
export const ABLATE_STATS: u32 = 1;
/** The out-of-memory checks (hasFreeRun) always pass. */
export const ABLATE_HEADROOM: u32 = 2;
/**
 * A pool span whose last stack comes back stays on its pool list with the
 * GC off instead of going back to the page heap (the runtime returns it).
 */
export const ABLATE_SPAN_RETURN: u32 = 4;

/** Whether this build leaves `part` out; folds to a constant. */
// @ts-ignore: decorator
@inline export function ablated(part: u32): bool {
  return ((ABLATE as u32) & part) != 0;
}
