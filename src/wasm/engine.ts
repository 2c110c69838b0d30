// The wasm engine: the Engine interface (src/types.ts) over the
// AssemblyScript core in assembly/. The host keeps what the per-operation
// API needs and the core does not (goroutine id to G index, error texts),
// runs the same argument checks as the reference engine (src/validate.ts),
// and turns the core's refusal codes into UsageErrors and any trap into an
// InvariantError that retires the engine.

import {
  ERROR_CODES, InvariantError, StackLabError, UsageError, runtimeThrow,
} from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { checkSnapshotInvariants } from "../invariants.js";
import { ARENA_BASE_ADDRESS, PAGE_BYTES } from "../profiles.js";
import type {
  Bytes, Engine, EngineConfig, PRef, Snapshot, Stack, Stats,
} from "../types.js";
import { STATS_FIELDS } from "../types.js";
import { checkOperand, checkP, checkProcs, checkStackSize } from "../validate.js";
import type { CoreExports, WasmBuild } from "./load.js";
import { coreModule, instantiateCore } from "./load.js";
import { decodeSnapshot } from "./snapshot.js";

/** Options of createWasmEngine beyond the configuration. */
export interface WasmEngineOptions {
  /** A compiled core to instantiate instead of loading build/<build>.wasm. */
  module?: WebAssembly.Module;
  /** Which build to load; defaults to config.wasmBuild. */
  build?: WasmBuild;
}

/** The core's P argument for "no P". */
const NO_P_ARG = -1;

/**
 * Creates a wasm engine: one core instance holding the whole state.
 * @throws UsageError when the core cannot hold the configuration.
 */
export function createWasmEngine(config: EngineConfig,
  options: WasmEngineOptions = {}): Engine {
  const module = options.module ?? coreModule(options.build ?? config.wasmBuild);
  return new WasmEngine(config, instantiateCore(module));
}

class WasmEngine implements Engine {
  /** Live goroutines: goroutine id to G index. */
  private readonly live = new Map<number, number>();
  private nextGoid = 1;
  private procs: number;
  private retired: InvariantError | undefined;

  constructor(readonly config: EngineConfig, private readonly core: CoreExports) {
    const { platform: pf, policy } = config;
    const status = core.init(pf.fixedStackBytes, policy.numStackOrders,
      pf.stackGuardBytes, pf.stackLimitBytes, pf.maxStackBytes, pf.newGStackBytes,
      policy.stackCacheBytes, policy.gfreeSpillAt, policy.gfreeKeep,
      policy.keepGrownStackBytes, config.adaptiveStackStart ? 1 : 0, config.procs,
      config.heapLimitBytes / PAGE_BYTES);
    if (status < 0) {
      throw new UsageError("createEngine", "badArgument",
        "configuration the wasm core cannot hold (see resolveConfig)", { status });
    }
    this.procs = config.procs;
  }

  newproc(p: number): number {
    checkP("newproc", p, this.procs, false);
    this.enter("newproc");
    let g: number;
    try {
      g = this.core.newproc(p);
    } catch (error) {
      throw this.trapped("newproc", error);
    }
    if (g < 0) this.refuse("newproc", g, { p });
    const goid = this.nextGoid++;
    this.live.set(goid, g);
    return this.after(goid);
  }

  use(goid: number, bytes: Bytes): void {
    const g = this.liveG("use", goid);
    checkOperand("use", "bytes", bytes);
    this.enter("use");
    let status: number;
    try {
      status = this.core.use(g, bytes);
    } catch (error) {
      throw this.trapped("use", error);
    }
    if (status < 0) this.refuse("use", status, { goid, bytes });
    this.after(undefined);
  }

  goexit(goid: number): void {
    const g = this.liveG("goexit", goid);
    this.enter("goexit");
    let status: number;
    try {
      status = this.core.goexit(g);
    } catch (error) {
      throw this.trapped("goexit", error);
    }
    if (status < 0) this.refuse("goexit", status, { goid });
    this.live.delete(goid);
    this.after(undefined);
  }

  gc(p = 0): void {
    this.gcStart(p);
    this.gcFinish(p);
  }

  gcStart(p = 0): void {
    checkP("gcStart", p, this.procs, false);
    const status = this.call("gcStart", () => this.core.gcStart(p));
    if (status < 0) this.refuse("gcStart", status, { p });
    this.after(undefined);
  }

  gcFinish(p = 0): void {
    checkP("gcFinish", p, this.procs, false);
    const status = this.call("gcFinish", () => this.core.gcFinish(p));
    if (status < 0) this.refuse("gcFinish", status, { p });
    this.after(undefined);
  }

  procresize(procs: number): void {
    checkProcs("procresize", procs);
    const status = this.call("procresize", () => this.core.procresize(procs));
    if (status < 0) this.refuse("procresize", status, { procs });
    this.procs = procs;
    this.after(undefined);
  }

  readMemStats(): Stats {
    this.call("readMemStats", () => this.core.readMemStats());
    this.after(undefined);
    return this.stats();
  }

  stackalloc(bytes: Bytes, p: PRef): Stack {
    checkStackSize("stackalloc", bytes, this.config);
    checkP("stackalloc", p, this.procs, true);
    const slot = this.call("stackalloc",
      () => this.core.rawStackalloc(bytes, p === "noP" ? NO_P_ARG : p));
    if (slot < 0) this.refuse("stackalloc", slot, { bytes, p });
    const lo = ARENA_BASE_ADDRESS + slot * this.config.platform.fixedStackBytes;
    return this.after({ lo, hi: lo + bytes });
  }

  stackfree(stack: Stack, p: PRef): void {
    const bytes = checkStackSize("stackfree", stack, this.config);
    checkP("stackfree", p, this.procs, true);
    const offset = stack.lo - ARENA_BASE_ADDRESS;
    const inArena = offset >= 0 && offset < 2 ** 31 * PAGE_BYTES;
    const page = inArena ? Math.floor(offset / PAGE_BYTES) : -1;
    const offsetBytes = inArena ? offset - page * PAGE_BYTES : 0;
    const status = this.call("stackfree", () => this.core.rawStackfree(page, offsetBytes,
      bytes, p === "noP" ? NO_P_ARG : p));
    if (status < 0) this.refuse("stackfree", status, { ...stack, p });
    this.after(undefined);
  }

  stats(): Stats {
    this.ensureUsable("stats");
    const values = new Float64Array(this.core.memory.buffer,
      this.core.statsAddress() >>> 0, STATS_FIELDS.length);
    const stats = {} as Stats;
    STATS_FIELDS.forEach((field, i) => { stats[field] = values[i]!; });
    return stats;
  }

  snapshot(): Snapshot {
    const count = this.call("snapshot", () => this.core.snapshot()) >>> 0;
    const values = new Float64Array(this.core.memory.buffer,
      this.core.scratchAddress() >>> 0, count);
    return decodeSnapshot(values, this.config, this.stats());
  }

  checkInvariants(): void {
    checkSnapshotInvariants(this.snapshot(), this.config);
  }

  /** Linear memory the core uses now, in bytes. */
  get memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  private liveG(operation: string, goid: number): number {
    const g = Number.isInteger(goid) ? this.live.get(goid) : undefined;
    if (g === undefined) {
      throw runtimeThrow(operation, "unknownGoroutine",
        `goroutine ${String(goid)} is not live`, { goid });
    }
    return g;
  }

  private ensureUsable(operation: string): void {
    if (this.retired !== undefined) {
      throw new InvariantError(`${operation}: engine retired after an earlier failure`,
        { cause: this.retired.message });
    }
  }

  /**
   * Runs a core call; a trap retires the engine as an InvariantError. The
   * hot operations (newproc, use, goexit) inline this to avoid a closure.
   */
  private call(operation: string, run: () => number): number {
    this.enter(operation);
    try {
      return run();
    } catch (error) {
      throw this.trapped(operation, error);
    }
  }

  /** Refuses to run on an engine a trap has retired. */
  private enter(operation: string): void {
    if (this.retired !== undefined) this.ensureUsable(operation);
  }

  /** The error for a trap in the core; the engine is retired from now on. */
  private trapped(operation: string, error: unknown): Error {
    if (error instanceof StackLabError) return error;
    const message = error instanceof Error ? error.message : String(error);
    this.retired = new InvariantError(`${operation}: core trapped: ${message}`,
      { operation });
    return this.retired;
  }

  /** Turns a core refusal code into the UsageError the reference raises. */
  private refuse(operation: string, status: number,
    details: Record<string, unknown>): never {
    const code: ErrorCode = ERROR_CODES[-status - 1] ?? "invariant";
    if (code === "invariant") {
      this.retired = new InvariantError(`${operation}: unknown core status ${status}`);
      throw this.retired;
    }
    throw runtimeThrow(operation, code, explain(operation, code, details, this.config),
      details);
  }

  private after<T>(value: T): T {
    if (this.config.checkInvariants) this.checkInvariants();
    return value;
  }
}

/** The "(value seen, value expected)" part of a refusal message. */
function explain(operation: string, code: ErrorCode,
  details: Record<string, unknown>, config: EngineConfig): string {
  const seen = JSON.stringify(details);
  switch (code) {
    case "outOfMemory":
      return `${operation} ${seen} needs more pages than the heap limit of ` +
        `${config.heapLimitBytes} bytes leaves`;
    case "stackOverflow":
      return `${String(details.bytes)} bytes in use, expected at most a ` +
        `${config.platform.maxStackBytes}-byte stack`;
    case "doubleFree":
      return `stack at ${String(details.lo)} is already free`;
    case "notStackSpan":
      return `no stack span holds ${String(details.lo)}`;
    case "badStackSize":
      return `stack ${seen} is not a raw stack of that size`;
    case "badPhase":
      return `${operation} called in the wrong GC phase`;
    default:
      return `${seen} refused`;
  }
}
