// Trace files of either format behind one interface: open by sniffing the
// magic bytes, write by file extension (.jsonl is the op script, anything
// else the binary format), and applyOp to execute one operation on an engine.

import { open } from "node:fs/promises";
import { InputError, StackLabError } from "../errors.js";
import type { Engine, EngineOptions, Stats } from "../types.js";
import type { Op } from "../workload/types.js";
import { BinaryTraceWriter, isBinaryTrace, openBinaryTrace } from "./binary.js";
import { OpLogWriter, openOpLog } from "./oplog.js";

/** The two trace encodings. */
export type TraceFormat = "jsonl" | "binary";

/** Where an operation sits in its file. */
export interface TracePosition {
  /** 1-based line (op scripts). */
  line?: number;
  /** Offset of the block holding the operation (binary traces). */
  byteOffset?: number;
}

/** An opened trace: its engine options and a stream of operations. */
export interface TraceSource {
  format: TraceFormat;
  engineOptions: EngineOptions | undefined;
  ops: AsyncGenerator<{ op: Op } & TracePosition>;
}

/** A trace being written. */
export interface TraceWriter {
  write(op: Op): void;
  close(): void;
  /** Operations written. */
  readonly count: number;
}

/** The format a path is written in: .jsonl (or .ndjson) is the op script. */
export function traceFormatFor(path: string): TraceFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? "jsonl" : "binary";
}

/**
 * Opens a trace of either format, telling them apart by the magic bytes.
 * @throws InputError for a missing file or a malformed header.
 */
export async function openTrace(path: string): Promise<TraceSource> {
  let head: Buffer;
  try {
    const handle = await open(path, "r");
    try {
      head = Buffer.alloc(8);
      const { bytesRead } = await handle.read(head, 0, 8, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new InputError(path, {}, `cannot read: ${(error as Error).message}`);
  }
  if (isBinaryTrace(head)) {
    const trace = await openBinaryTrace(path);
    return { format: "binary", ...trace };
  }
  if (head.length > 0 && head[0] !== 0x7b && head[0] !== 0x0a && head[0] !== 0x20) {
    throw new InputError(path, { byteOffset: 0 },
      "neither a stacklab binary trace (bad magic bytes) nor a JSON-lines op script");
  }
  const log = await openOpLog(path);
  return { format: "jsonl", ...log };
}

/** Creates a writer for the format the path's extension names. */
export function createTraceWriter(path: string, engineOptions?: EngineOptions): TraceWriter {
  return traceFormatFor(path) === "jsonl"
    ? new OpLogWriter(path, engineOptions)
    : new BinaryTraceWriter(path, engineOptions);
}

/**
 * Executes one operation on an engine.
 * @returns the stats for readMemStats, undefined otherwise.
 * @throws UsageError from the engine when the operation is refused.
 */
export function applyOp(engine: Engine, op: Op): Stats | undefined {
  switch (op.op) {
    case "newproc": engine.newproc(op.p); return undefined;
    case "use": engine.use(op.g, op.bytes); return undefined;
    case "goexit": engine.goexit(op.g); return undefined;
    case "gc": engine.gc(op.p); return undefined;
    case "gcStart": engine.gcStart(op.p); return undefined;
    case "gcFinish": engine.gcFinish(op.p); return undefined;
    case "procresize": engine.procresize(op.n); return undefined;
    case "readMemStats": return engine.readMemStats();
    case "stackalloc": engine.stackalloc(op.bytes, op.p); return undefined;
    case "stackfree":
      engine.stackfree({ lo: op.lo, hi: op.lo + op.bytes }, op.p);
      return undefined;
  }
}

/** Progress and per-operation hooks of replayTrace. */
export interface ReplayOptions {
  /**
   * Called after each operation with its stats (costly: one stats() per
   * op). A returned promise is awaited, so a writer can apply backpressure.
   */
  onOpStats?: (op: Op, stats: Stats) => void | Promise<void>;
  /** Called every 65,536 operations. */
  onProgress?: (operations: number) => void;
}

/**
 * Replays a trace on an engine.
 * @returns the operation count.
 * @throws InputError naming file and line / byte offset for a bad record,
 * or for an operation the engine refused (with the engine's message).
 */
export async function replayTrace(source: TraceSource, engine: Engine, file: string,
  options: ReplayOptions = {}): Promise<number> {
  let operations = 0;
  const progressMask = (1 << 16) - 1;
  for await (const record of source.ops) {
    try {
      applyOp(engine, record.op);
    } catch (error) {
      if (error instanceof StackLabError && !(error instanceof InputError)) {
        const where = record.line !== undefined ? { line: record.line }
          : { byteOffset: record.byteOffset ?? 0 };
        const at = record.line !== undefined ? "" : ` (operation ${operations + 1})`;
        throw new InputError(file, { ...where, field: record.op.op }, `${error.message}${at}`);
      }
      throw error;
    }
    operations++;
    if (options.onOpStats !== undefined) {
      const written = options.onOpStats(record.op, engine.stats());
      if (written !== undefined) await written;
    }
    if ((operations & progressMask) === 0) options.onProgress?.(operations);
  }
  return operations;
}
