// The wasm engine: the Engine interface (src/types.ts) over the
// AssemblyScript core in assembly/. The host keeps what the per-operation
// API needs and the core does not (goroutine id to G index, error texts),
// runs the same argument checks as the reference engine (src/validate.ts),
// and turns the core's refusal codes into UsageErrors and any trap into an
// InvariantError that retires the engine. It also runs operation batches
// (batch.ts) and lends its core to the native scenario driver (driver.ts),
// after which it rebuilds its goroutine table from the core on next use.

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
import type { Op } from "../workload/types.js";
import type { BatchOptions, BatchOutcome, BatchResult } from "./batch.js";
import {
  BATCH_RECORD_BYTES, BATCH_REF, NO_G_INDEX, OpCode, RecordField, pArg,
} from "./batch.js";
import type { CoreExports, WasmBuild } from "./load.js";
import { coreModule, instantiateCore } from "./load.js";
import { decodeSnapshot } from "./snapshot.js";

/** Options of createWasmEngine beyond the configuration. */
export interface WasmEngineOptions {
  /** A compiled core to instantiate instead of loading build/<build>.wasm. */
  module?: WebAssembly.Module;
  /** Which build to load; defaults to config.wasmBuild. */
  build?: WasmBuild;
  /**
   * Accept a measurement-only module (see instantiateCore); its numbers
   * are wrong by design.
   */
  ablated?: boolean;
}

/** The core's P argument for "no P". */
const NO_P_ARG = -1;
/**
 * Local copies of profile constants read on every raw stack call, so the
 * hot path does not go through another module's export bindings.
 */
const ARENA_BASE = ARENA_BASE_ADDRESS;
const ARENA_PAGE_BYTES = PAGE_BYTES;
const ARENA_PAGES = 2 ** 31;
/** Stack sizes at or above this are left to checkStackSize (no bit tricks). */
const QUICK_SIZE_LIMIT = 2 ** 30;
/** Values per live goroutine and before them in liveGoroutines' output. */
const LIVE_PAIR_VALUES = 2;
const LIVE_HEADER_VALUES = 3;

/**
 * Creates a wasm engine: one core instance holding the whole state.
 * @throws UsageError when the core cannot hold the configuration.
 */
export function createWasmEngine(config: EngineConfig,
  options: WasmEngineOptions = {}): Engine {
  const module = options.module ?? coreModule(options.build ?? config.wasmBuild);
  return new WasmEngine(config, instantiateCore(module, options));
}

/** The Engine over one core instance; exported for the native driver. */
export class WasmEngine implements Engine {
  /** Live goroutines: goroutine id to G index. */
  private readonly live = new Map<number, number>();
  private nextGoid = 1;
  private procs: number;
  private retired: InvariantError | undefined;
  /** The core ran operations the host did not see (the native driver). */
  private stale = false;
  /** Platform sizes the raw stack calls check, in bytes. */
  private readonly fixedStackBytes: number;
  private readonly maxStackBytes: number;

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
    this.fixedStackBytes = pf.fixedStackBytes;
    this.maxStackBytes = pf.maxStackBytes;
  }

  newproc(p: number): number {
    this.fresh();
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
    this.fresh();
    checkP("gcStart", p, this.procs, false);
    const status = this.call("gcStart", () => this.core.gcStart(p));
    if (status < 0) this.refuse("gcStart", status, { p });
    this.after(undefined);
  }

  gcFinish(p = 0): void {
    this.fresh();
    checkP("gcFinish", p, this.procs, false);
    const status = this.call("gcFinish", () => this.core.gcFinish(p));
    if (status < 0) this.refuse("gcFinish", status, { p });
    this.after(undefined);
  }

  procresize(procs: number): void {
    this.fresh();
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
    this.fresh();
    // The quick tests accept only arguments the shared checks accept too;
    // anything else goes through them for the reference engine's error.
    if (!this.quickSize(bytes)) checkStackSize("stackalloc", bytes, this.config);
    if (!this.quickP(p)) checkP("stackalloc", p, this.procs, true);
    this.enter("stackalloc");
    let slot: number;
    try {
      slot = this.core.rawStackalloc(bytes, p === "noP" ? NO_P_ARG : p);
    } catch (error) {
      throw this.trapped("stackalloc", error);
    }
    if (slot < 0) this.refuse("stackalloc", slot, { bytes, p });
    const lo = ARENA_BASE + slot * this.fixedStackBytes;
    return this.after({ lo, hi: lo + bytes });
  }

  stackfree(stack: Stack, p: PRef): void {
    this.fresh();
    const quick = typeof stack === "object" && stack !== null
      && Number.isSafeInteger(stack.lo) && Number.isSafeInteger(stack.hi)
      && this.quickSize(stack.hi - stack.lo);
    const bytes = quick ? stack.hi - stack.lo : checkStackSize("stackfree", stack, this.config);
    if (!this.quickP(p)) checkP("stackfree", p, this.procs, true);
    // The arena page of lo and the offset in it; -1 outside the arena.
    const offset = stack.lo - ARENA_BASE;
    const inArena = offset >= 0 && offset < ARENA_PAGES * ARENA_PAGE_BYTES;
    const page = inArena ? Math.floor(offset / ARENA_PAGE_BYTES) : -1;
    const offsetBytes = inArena ? offset - page * ARENA_PAGE_BYTES : 0;
    this.enter("stackfree");
    let status: number;
    try {
      status = this.core.rawStackfree(page, offsetBytes, bytes, p === "noP" ? NO_P_ARG : p);
    } catch (error) {
      throw this.trapped("stackfree", error);
    }
    if (status < 0) this.refuse("stackfree", status, { ...stack, p });
    this.after(undefined);
  }

  /** A stack size checkStackSize would accept, decided without calling it. */
  private quickSize(bytes: unknown): bytes is number {
    return typeof bytes === "number" && bytes >= this.fixedStackBytes
      && bytes <= this.maxStackBytes && bytes < QUICK_SIZE_LIMIT
      && (bytes | 0) === bytes && (bytes & (bytes - 1)) === 0;
  }

  /** A P checkP would accept where 'noP' is allowed. */
  private quickP(p: unknown): boolean {
    return p === "noP" || (typeof p === "number" && (p | 0) === p && p >= 0 && p < this.procs);
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

  /**
   * Runs operations in one core call through the batch executor. Goroutine
   * ids name goroutines as in the per-operation API, including those a
   * newproc earlier in the same batch makes.
   * Limitation: with stopOnError false, a goroutine id is bound to the
   * newproc that would make it if every earlier newproc of the batch
   * succeeded; after a refused newproc, later ids in the batch are off by
   * one from what per-operation calls would give.
   * @param ops the operations, as traces record them.
   * @returns how many ran and one outcome each (refusals as error codes).
   * @throws InvariantError when the core traps (the engine is retired).
   */
  batch(ops: readonly Op[], options: BatchOptions = {}): BatchResult {
    this.fresh();
    const core = this.core;
    const addr = this.call("batch", () => core.batchBuffer(Math.max(ops.length, 1))) >>> 0;
    const view = new DataView(core.memory.buffer, addr, ops.length * BATCH_RECORD_BYTES);
    this.encodeBatch(view, ops);
    const executed = this.call("batch",
      () => core.batchRun(addr, ops.length, options.stopOnError === false ? 0 : 1));
    if (executed < 0) {
      this.retired = new InvariantError(`batch: core refused its own buffer (${executed})`);
      throw this.retired;
    }
    const results = new DataView(core.memory.buffer, addr, ops.length * BATCH_RECORD_BYTES);
    const outcomes: BatchOutcome[] = [];
    for (let i = 0; i < executed; i++) {
      outcomes.push(this.decodeOutcome(ops[i]!,
        results.getInt32(i * BATCH_RECORD_BYTES + RecordField.result, true)));
    }
    return this.after({ executed, outcomes });
  }

  private encodeBatch(view: DataView, ops: readonly Op[]): void {
    const madeBy = new Map<number, number>();
    const exited = new Set<number>();
    let predictedGoid = this.nextGoid;
    const gArg = (goid: number): number => {
      if (exited.has(goid)) return NO_G_INDEX;
      const record = madeBy.get(goid);
      if (record !== undefined) return (BATCH_REF | record) >>> 0;
      return (Number.isInteger(goid) ? this.live.get(goid) : undefined) ?? NO_G_INDEX;
    };
    const num = (x: unknown): number => (typeof x === "number" ? x : Number.NaN);
    ops.forEach((op, i) => {
      const at = i * BATCH_RECORD_BYTES;
      let p = 0;
      let g = 0;
      let bytes = 0;
      let page = 0;
      let offset = 0;
      switch (op.op) {
        case "newproc": p = pArg(op.p, false); madeBy.set(predictedGoid++, i); break;
        case "use": g = gArg(op.g); bytes = num(op.bytes); break;
        case "goexit": g = gArg(op.g); exited.add(op.g); break;
        case "gc": case "gcStart": case "gcFinish": p = pArg(op.p ?? 0, false); break;
        case "procresize": p = Number.isSafeInteger(op.n) && Math.abs(op.n) < 2 ** 31
          ? op.n : 0; break;
        case "readMemStats": break;
        case "stackalloc": p = pArg(op.p, true); bytes = num(op.bytes); break;
        case "stackfree": {
          p = pArg(op.p, true);
          const valid = Number.isSafeInteger(op.lo) && Number.isSafeInteger(op.bytes);
          bytes = valid ? op.bytes : Number.NaN;
          const where = arenaPlace(valid ? op.lo : ARENA_BASE_ADDRESS);
          page = where.page;
          offset = where.offsetBytes;
          break;
        }
      }
      view.setUint32(at + RecordField.op, OpCode[op.op], true);
      view.setInt32(at + RecordField.p, p, true);
      view.setUint32(at + RecordField.g, g, true);
      view.setUint32(at + RecordField.offset, offset, true);
      view.setFloat64(at + RecordField.bytes, bytes, true);
      view.setInt32(at + RecordField.page, page, true);
      view.setInt32(at + RecordField.result, 0, true);
    });
  }

  /** One record's outcome; keeps the goroutine table and GOMAXPROCS. */
  private decodeOutcome(op: Op, result: number): BatchOutcome {
    if (result < 0) {
      const code: ErrorCode = ERROR_CODES[-result - 1] ?? "invariant";
      return { ok: false, code };
    }
    switch (op.op) {
      case "newproc": {
        const goid = this.nextGoid++;
        this.live.set(goid, result);
        return { ok: true, value: goid };
      }
      case "goexit": this.live.delete(op.g); break;
      case "procresize": this.procs = op.n; break;
      case "stackalloc": {
        const lo = ARENA_BASE_ADDRESS + result * this.config.platform.fixedStackBytes;
        return { ok: true, value: { lo, hi: lo + op.bytes } };
      }
      default: break;
    }
    return { ok: true };
  }

  /**
   * The core, for the native scenario driver (src/wasm/driver.ts); the
   * host's goroutine table is rebuilt from the core on next use.
   * @internal
   */
  lendCore(operation: string): CoreExports {
    this.ensureUsable(operation);
    this.stale = true;
    return this.core;
  }

  /**
   * The error for a trap in a lent core; retires the engine.
   * @internal
   */
  coreTrapped(operation: string, error: unknown): Error {
    return this.trapped(operation, error);
  }

  /** Rebuilds the goroutine table and GOMAXPROCS after a native run. */
  private fresh(): void {
    if (!this.stale || this.retired !== undefined) return;
    this.stale = false;
    const count = this.call("sync", () => this.core.liveGoroutines()) >>> 0;
    const values = new Float64Array(this.core.memory.buffer,
      this.core.scratchAddress() >>> 0, count);
    this.nextGoid = values[0]!;
    this.procs = values[1]!;
    this.live.clear();
    const live = values[2]!;
    for (let i = 0; i < live; i++) {
      const at = LIVE_HEADER_VALUES + i * LIVE_PAIR_VALUES;
      this.live.set(values[at]!, values[at + 1]!);
    }
  }

  /** Linear memory the core uses now, in bytes. */
  get memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  private liveG(operation: string, goid: number): number {
    this.fresh();
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

/** The arena page of a simulated address and its offset in the page. */
function arenaPlace(lo: number): { page: number; offsetBytes: number } {
  const offset = lo - ARENA_BASE_ADDRESS;
  const inArena = offset >= 0 && offset < 2 ** 31 * PAGE_BYTES;
  const page = inArena ? Math.floor(offset / PAGE_BYTES) : -1;
  return { page, offsetBytes: inArena ? offset - page * PAGE_BYTES : 0 };
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
