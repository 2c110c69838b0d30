// The batch API's host half: encodes operations (the Op records traces
// use) into the core's fixed-size batch records and decodes the per-record
// results. The record layout is drawn in assembly/batch.ts and documented
// in docs/ABI.md; the engine (engine.ts) owns the goroutine-id bookkeeping.

import type { ErrorCode } from "../errors.js";
import type { Stack } from "../types.js";

/** Bytes per batch record and the byte offsets of its fields. */
export const BATCH_RECORD_BYTES = 32;
export const RecordField = {
  op: 0, p: 4, g: 8, offset: 12, bytes: 16, page: 24, result: 28,
} as const;

/** Operation codes (assembly/opcodes.ts). */
export const OpCode = {
  newproc: 1, use: 2, goexit: 3, gc: 4, gcStart: 5, gcFinish: 6,
  procresize: 7, readMemStats: 8, stackalloc: 9, stackfree: 10,
} as const;

/** g operand bit: the G that newproc record (g & 0x7fffffff) made. */
export const BATCH_REF = 0x8000_0000;
/** A G index no goroutine has (refused as an unknown goroutine). */
export const NO_G_INDEX = 0xffff_ffff;
/** A P operand the core refuses as bad P (not -1, not an index). */
export const BAD_P_ARG = -2;
/** The core's P argument for "no P". */
export const NO_P_ARG = -1;

/** Options of engine.batch. */
export interface BatchOptions {
  /** Stop after the first refused operation (default true). */
  stopOnError?: boolean;
}

/** What one operation of a batch gave. */
export type BatchOutcome =
  | { ok: true; /** newproc: the goroutine id; stackalloc: the stack. */
    value?: number | Stack }
  | { ok: false; /** Why the core refused it; nothing changed. */ code: ErrorCode };

/** What engine.batch returns. */
export interface BatchResult {
  /** Operations run (all of them, or up to the first refusal). */
  executed: number;
  /** One outcome per operation run, in order. */
  outcomes: BatchOutcome[];
}

/** A P operand as the core takes it: an i32, or BAD_P_ARG when invalid. */
export function pArg(p: unknown, allowNoP: boolean): number {
  if (allowNoP && p === "noP") return NO_P_ARG;
  return Number.isSafeInteger(p) && (p as number) >= 0 && (p as number) < 2 ** 31
    ? (p as number) : BAD_P_ARG;
}
