// The JSON-lines op script: one operation per line, an optional first line
// `{"op":"config", ...EngineOptions}`. Parsing checks every line's shape
// (known op, exact fields, integer ranges) and names file:line and the field
// on failure; whether an operation is allowed is the engine's business.
// Reading streams the file line by line, so a trace of any length is never
// held in memory whole.

import { createReadStream, closeSync, openSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { InputError, UsageError } from "../errors.js";
import { resolveConfig } from "../profiles.js";
import type { EngineOptions } from "../types.js";
import type { Op, OpName } from "../workload/types.js";

/** The fields each operation takes, besides `op`. */
const OP_FIELDS: Record<OpName, readonly string[]> = {
  newproc: ["p"],
  use: ["g", "bytes"],
  goexit: ["g"],
  gc: ["p?"],
  gcStart: ["p?"],
  gcFinish: ["p?"],
  procresize: ["n"],
  readMemStats: [],
  stackalloc: ["bytes", "p"],
  stackfree: ["lo", "bytes", "p"],
};
/** Every operation name, in a stable order. */
export const OP_NAMES = Object.keys(OP_FIELDS) as OpName[];

/** A parsed line: an operation, the config line, or a blank line. */
export type OpLine =
  | { kind: "op"; op: Op }
  | { kind: "config"; options: EngineOptions }
  | { kind: "blank" };

function fieldValue(file: string, line: number, name: string, value: unknown): number | "noP" {
  if (name === "p" && value === "noP") return "noP";
  const min = name === "g" || name === "n" ? 1 : 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InputError(file, { line, field: name },
      `expected an integer >= ${min}${name === "p" ? ' or "noP"' : ""}, `
      + `got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return value;
}

/**
 * Parses one line of an op script.
 * @param text the line without its newline.
 * @param lineNumber 1-based, for messages; the config line is only
 *   accepted on line 1.
 * @throws InputError naming file:line, the field and the reason.
 */
export function parseOpLine(text: string, file: string, lineNumber: number): OpLine {
  if (text.trim() === "") return { kind: "blank" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, { line: lineNumber },
      `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(file, { line: lineNumber },
      "expected a JSON object with an \"op\" field");
  }
  const record = value as Record<string, unknown>;
  const name = record.op;
  if (name === "config") return parseConfigLine(record, file, lineNumber);
  if (typeof name !== "string" || !(name in OP_FIELDS)) {
    throw new InputError(file, { line: lineNumber, field: "op" },
      `unknown operation ${JSON.stringify(name) ?? "(missing)"}; `
      + `expected one of config, ${OP_NAMES.join(", ")}`);
  }
  const fields = OP_FIELDS[name as OpName];
  const allowed = new Set(fields.map((f) => f.replace("?", "")));
  for (const key of Object.keys(record)) {
    if (key !== "op" && !allowed.has(key)) {
      throw new InputError(file, { line: lineNumber, field: key }, `unknown field for ${name}`);
    }
  }
  const op: Record<string, unknown> = { op: name };
  for (const spec of fields) {
    const field = spec.replace("?", "");
    if (record[field] === undefined && spec.endsWith("?")) continue;
    const v = fieldValue(file, lineNumber, field, record[field]);
    if (v === "noP" && name !== "stackalloc" && name !== "stackfree") {
      throw new InputError(file, { line: lineNumber, field },
        `${name} needs a P index, not "noP"`);
    }
    op[field] = v;
  }
  return { kind: "op", op: op as Op };
}

function parseConfigLine(record: Record<string, unknown>, file: string, line: number): OpLine {
  if (line !== 1) {
    throw new InputError(file, { line, field: "op" },
      "a config line is only allowed as the first line");
  }
  const { op: _op, ...options } = record;
  try {
    resolveConfig(options as EngineOptions);
  } catch (error) {
    if (error instanceof UsageError) {
      throw new InputError(file, { line }, error.message.replace(/^createEngine: /, "config: "));
    }
    throw error;
  }
  return { kind: "config", options: options as EngineOptions };
}

/** One operation as a JSON line (without the newline). */
export function formatOp(op: Op): string {
  return JSON.stringify(op);
}

/**
 * Reads an op script as a stream.
 * @returns the config line's options (if any), and an async iterator of
 * operations with their line numbers.
 */
export async function openOpLog(path: string): Promise<{
  engineOptions: EngineOptions | undefined;
  ops: AsyncGenerator<{ op: Op; line: number }>;
}> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  let lineNumber = 0;
  let engineOptions: EngineOptions | undefined;
  let first: { op: Op; line: number } | undefined;
  // Read up to the first non-blank line to learn whether there is a config.
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) break;
    lineNumber++;
    const parsed = parseOpLine(next.value, path, lineNumber);
    if (parsed.kind === "blank") continue;
    if (parsed.kind === "config") engineOptions = parsed.options;
    else first = { op: parsed.op, line: lineNumber };
    break;
  }
  async function* ops(): AsyncGenerator<{ op: Op; line: number }> {
    try {
      if (first !== undefined) yield first;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        lineNumber++;
        const parsed = parseOpLine(next.value, path, lineNumber);
        if (parsed.kind === "op") yield { op: parsed.op, line: lineNumber };
      }
    } finally {
      lines.close();
    }
  }
  return { engineOptions, ops: ops() };
}

/** Bytes buffered before a write to the file. */
const WRITE_CHUNK_BYTES = 1 << 16;

/**
 * Writes an op script synchronously in 64 KiB chunks, so the driver's
 * synchronous onOp callback can feed it without holding the trace in memory.
 */
export class OpLogWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  /** Operations written so far. */
  count = 0;

  /** Opens (truncates) the file and writes the config line if given. */
  constructor(path: string, engineOptions?: EngineOptions) {
    this.fd = openSync(path, "w");
    if (engineOptions !== undefined) this.push(JSON.stringify({ op: "config", ...engineOptions }));
  }

  write(op: Op): void {
    this.push(formatOp(op));
    this.count++;
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= WRITE_CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join("\n")}\n`);
    this.buffer = [];
    this.bufferedChars = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
