// Error classes of stacklab and the table of error codes shared with the
// AssemblyScript core (assembly/errors.ts keeps the same numbering; a test
// checks that the two agree).
//
//   StackLabError        base class: code, operation, runtime text, details
//   ├─ UsageError        the caller asked for something the runtime forbids
//   ├─ InvariantError    the simulator's own state is broken (a bug)
//   └─ InputError        a file or record is malformed (file, line, field)

/** Every error the engines raise, by code. */
export type ErrorCode =
  | "notPowerOfTwo"
  | "badStackSize"
  | "notStackSpan"
  | "badSpanState"
  | "badAllocCount"
  | "spanNoFreeStacks"
  | "stackOverflow"
  | "gfputBadStatus"
  | "newgMissingStack"
  | "invalidStackFree"
  | "doubleFree"
  | "unknownGoroutine"
  | "outOfMemory"
  | "badP"
  | "badPhase"
  | "badArgument"
  | "invariant"
  | "input";

/**
 * Codes in the order the wasm core numbers them (code number = index + 1).
 * Append only: the numbers are part of the core's ABI.
 */
export const ERROR_CODES: readonly ErrorCode[] = [
  "notPowerOfTwo", "badStackSize", "notStackSpan", "badSpanState",
  "badAllocCount", "spanNoFreeStacks", "stackOverflow", "gfputBadStatus",
  "newgMissingStack", "invalidStackFree", "doubleFree", "unknownGoroutine",
  "outOfMemory", "badP", "badPhase", "badArgument", "invariant",
];

/** The runtime's throw text for each code (or the simulator's own). */
export const RUNTIME_TEXT: Record<ErrorCode, string> = {
  notPowerOfTwo: "stack size not a power of 2",
  badStackSize: "bad stack size",
  notStackSpan: "freeing stack not in a stack span",
  badSpanState: "bad span state",
  badAllocCount: "bad allocCount",
  spanNoFreeStacks: "span has no free stacks",
  stackOverflow: "stack overflow",
  gfputBadStatus: "gfput: bad status (not Gdead)",
  newgMissingStack: "newproc1: newg missing stack",
  invalidStackFree: "mheap.freeSpanLocked - invalid stack free",
  doubleFree: "double free",
  unknownGoroutine: "unknown goroutine",
  outOfMemory: "out of simulated memory",
  badP: "bad P",
  badPhase: "bad GC phase",
  badArgument: "bad argument",
  invariant: "invariant broken",
  input: "bad input",
};

/** Base class of every error stacklab raises. */
export class StackLabError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: ErrorCode;
  /** The operation that failed: `stackfree`, `use`, `replay`... */
  readonly operation: string;
  /** The Go runtime's throw text for this failure, or stacklab's own. */
  readonly runtimeText: string;
  /** State relevant to the rule, as the runtime prints before it throws. */
  readonly details: Record<string, unknown>;

  constructor(operation: string, code: ErrorCode, message: string,
    details: Record<string, unknown> = {}) {
    super(`${operation}: ${message}`);
    this.name = new.target.name;
    this.code = code;
    this.operation = operation;
    this.runtimeText = RUNTIME_TEXT[code];
    this.details = details;
  }
}

/** A rejected operation: the state is exactly as before the call. */
export class UsageError extends StackLabError {}

/** The simulator's state broke a rule: a bug in stacklab, always fatal. */
export class InvariantError extends StackLabError {
  constructor(rule: string, details: Record<string, unknown> = {}) {
    super("checkInvariants", "invariant", rule, details);
  }
}

/** A malformed file or record: names the file, line or byte offset, field. */
export class InputError extends StackLabError {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(file: string, where: { line?: number; field?: string; byteOffset?: number },
    message: string) {
    const at = where.line !== undefined ? `:${where.line}`
      : where.byteOffset !== undefined ? ` at byte ${where.byteOffset}` : "";
    const field = where.field !== undefined ? ` ${where.field}:` : "";
    super("input", "input", `${file}${at}:${field} ${message}`, { ...where });
    this.message = `${file}${at}:${field} ${message}`;
    this.file = file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** Builds the UsageError for a runtime throw, with the runtime's text. */
export function runtimeThrow(operation: string, code: ErrorCode,
  explanation: string, details: Record<string, unknown> = {}): UsageError {
  return new UsageError(operation, code,
    `${RUNTIME_TEXT[code]} (${explanation})`, details);
}
