// Argument checks shared by both engines' public operations. They run before
// anything changes, in the order docs/MODEL.md lists, so both engines reject
// the same call with the same error.

import { UsageError, runtimeThrow } from "./errors.js";
import { MAX_PROCS, isPowerOfTwo } from "./profiles.js";
import type { EngineConfig, Stack } from "./types.js";

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/** A non-negative integer operand such as a byte count. */
export function checkOperand(operation: string, field: string, value: unknown): void {
  if (!isInteger(value) || value < 0) {
    throw new UsageError(operation, "badArgument",
      `${field} must be a non-negative integer, got ${String(value)}`, { [field]: value });
  }
}

/** An existing P index, or 'noP' where the operation allows it. */
export function checkP(operation: string, p: unknown, procs: number, allowNoP: boolean): void {
  if (allowNoP && p === "noP") return;
  if (!isInteger(p) || p < 0 || p >= procs) {
    const expected = `an integer in [0, ${procs - 1}]${allowNoP ? " or 'noP'" : ""}`;
    throw runtimeThrow(operation, "badP", `P ${String(p)} is not ${expected}`, { p, procs });
  }
}

/** A GOMAXPROCS value. */
export function checkProcs(operation: string, procs: unknown): void {
  if (!isInteger(procs) || procs < 1 || procs > MAX_PROCS) {
    throw new UsageError(operation, "badArgument",
      `procs must be an integer in [1, ${MAX_PROCS}], got ${String(procs)}`, { procs });
  }
}

/**
 * A stack size (or a stack's hi - lo): a power of two between FixedStack and
 * the maximum stack size. @returns the size in bytes.
 */
export function checkStackSize(operation: string, stack: number | Stack,
  config: EngineConfig): number {
  let bytes: number;
  if (typeof stack === "number") {
    if (!isInteger(stack)) {
      throw new UsageError(operation, "badArgument", `bytes must be an integer, got ${stack}`);
    }
    bytes = stack;
  } else {
    const valid = typeof stack === "object" && stack !== null
      && isInteger(stack.lo) && isInteger(stack.hi);
    if (!valid) {
      throw new UsageError(operation, "badArgument",
        "stack must be { lo, hi } with integer addresses");
    }
    bytes = stack.hi - stack.lo;
  }
  if (!isPowerOfTwo(bytes)) {
    throw runtimeThrow(operation, "notPowerOfTwo", `size ${bytes} bytes is not a power of two`,
      { bytes });
  }
  const { fixedStackBytes, maxStackBytes } = config.platform;
  if (bytes < fixedStackBytes || bytes > maxStackBytes) {
    throw runtimeThrow(operation, "badStackSize",
      `size ${bytes} bytes is outside [${fixedStackBytes}, ${maxStackBytes}]`, { bytes });
  }
  return bytes;
}
