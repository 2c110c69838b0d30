// Error codes returned by the core's exported operations, and the messages
// of its internal consistency checks. The codes mirror ERROR_CODES in
// src/errors.ts: code = index + 1 there, same order, append only. An
// operation returns -code when it refuses; 0 (or a result >= 0) otherwise.

/** Refusal codes; the numbering is part of the core's ABI. */
export const enum ErrorCode {
  None = 0,
  NotPowerOfTwo = 1,
  BadStackSize = 2,
  NotStackSpan = 3,
  BadSpanState = 4,
  BadAllocCount = 5,
  SpanNoFreeStacks = 6,
  StackOverflow = 7,
  GfputBadStatus = 8,
  NewgMissingStack = 9,
  InvalidStackFree = 10,
  DoubleFree = 11,
  UnknownGoroutine = 12,
  OutOfMemory = 13,
  BadP = 14,
  BadPhase = 15,
  BadArgument = 16,
  Invariant = 17,
}

// Messages of the checked build's internal checks (CHECKS = 1). Each names
// the rule that broke; the host turns the abort into an InvariantError.
export const MSG_NO_FIT = "allocManual: no free run after the pre-check";
export const MSG_SPAN_STATE = "bad span state";
export const MSG_ALLOC_COUNT = "bad allocCount";
export const MSG_NO_FREE_STACKS = "span has no free stacks";
export const MSG_INVALID_FREE = "mheap.freeSpanLocked - invalid stack free";
export const MSG_NOT_STACK_SPAN = "freeing stack not in a stack span";
export const MSG_NOT_OUT = "stack handed out twice or freed while free";
export const MSG_G_STATUS = "gfput: bad status (not Gdead)";
export const MSG_NEWG_STACK = "newproc1: newg missing stack";
export const MSG_CACHE_BYTES = "stack cache byte count broken";
export const MSG_WASM_MEMORY = "linear memory exhausted (4 GiB wasm32 limit)";
export const MSG_LIST = "free-G list count broken";
export const MSG_STACKLESS_G = "sched.gFree.stack holds a G without a stack";
