// The ABI version of the core's exports and memory layouts (docs/ABI.md).
// Raise it whenever an export, an argument, a record layout or an error
// code changes meaning; hosts refuse a core whose version they do not know.

export const ABI_VERSION: u32 = 1;

/** 1 when the core's internal checks are compiled in (debug build), else 0. */
export const CHECKED_BUILD: u32 = CHECKS ? 1 : 0;

/**
 * The parts of the model a measurement-only build leaves out
 * (ablations.ts); 0 in both real builds.
 */
export const ABLATIONS: u32 = ABLATE as u32;
