// The binary trace: a compact, versioned, checksummed encoding of an
// operation sequence. Reading streams block by block; a truncated, corrupted
// or foreign file is reported with the byte offset where it went wrong, and
// a file from a newer format version is refused by its version number.
//
// File layout (all integers little-endian):
//
//   +0   8 bytes  magic "SLTRACE" followed by 0x1A
//   +8   u32      format version (BINARY_TRACE_VERSION)
//   +12  u32      H: header bytes
//   +16  H bytes  header, UTF-8 JSON: { "engineOptions": {...} | null }
//   +16+H u32     CRC32 of bytes 0 .. 16+H
//   then blocks:
//   +0   u32      L: payload bytes (0 marks the end block)
//   +4   u32      operations in the block (end block: operations in file)
//   +8   u32      CRC32 of the payload (end block: CRC32 of bytes +0..+8)
//   +12  L bytes  payload: operations, back to back
//
// An operation is an opcode byte and LEB128 varints. Goroutine ids are
// stored as the zigzag of (ids handed out so far - g): the id newproc just
// returned costs one byte. Raw stack addresses are stored as the zigzag of
// (lo - ARENA_BASE_ADDRESS). P references are p + 1, 0 meaning "noP" (raw
// stacks) or "not given" (GC operations).
//
//   1 newproc p | 2 use g bytes | 3 goexit g | 4 gc p? | 5 gcStart p? |
//   6 gcFinish p? | 7 procresize n | 8 readMemStats |
//   9 stackalloc bytes pref | 10 stackfree lo bytes pref

import { createReadStream, closeSync, openSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { InputError } from "../errors.js";
import { ARENA_BASE_ADDRESS } from "../profiles.js";
import type { EngineOptions, PRef } from "../types.js";
import type { Op, OpName } from "../workload/types.js";

/** The file's first 8 bytes. */
export const BINARY_TRACE_MAGIC = Buffer.from([0x53, 0x4c, 0x54, 0x52, 0x41, 0x43, 0x45, 0x1a]);
/** The format version this stacklab writes and the newest it reads. */
export const BINARY_TRACE_VERSION = 1;
/** Bytes of the fixed part of the file header and of a block header. */
const FILE_HEADER_BYTES = 16;
const BLOCK_HEADER_BYTES = 12;
const CRC_BYTES = 4;
/** A block is written once its payload reaches this size. */
const BLOCK_PAYLOAD_BYTES = 1 << 16;
/** The largest payload a reader accepts (a guard against garbage lengths). */
const MAX_BLOCK_PAYLOAD_BYTES = 1 << 24;
/** Largest header accepted. */
const MAX_HEADER_BYTES = 1 << 20;

const OPCODES: Record<OpName, number> = {
  newproc: 1, use: 2, goexit: 3, gc: 4, gcStart: 5, gcFinish: 6,
  procresize: 7, readMemStats: 8, stackalloc: 9, stackfree: 10,
};
const OP_BY_CODE = new Map(Object.entries(OPCODES).map(([k, v]) => [v, k as OpName]));

/** Whether a buffer starts like a binary trace. */
export function isBinaryTrace(head: Uint8Array): boolean {
  return head.length >= BINARY_TRACE_MAGIC.length
    && BINARY_TRACE_MAGIC.every((b, i) => head[i] === b);
}

/** Growable byte buffer with varint writers. */
class ByteWriter {
  bytes = new Uint8Array(BLOCK_PAYLOAD_BYTES + 64);
  length = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
  }

  /** Unsigned LEB128 of a safe non-negative integer (above 2^32 too). */
  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }
}

function pref(p: PRef | undefined): number {
  return p === undefined || p === "noP" ? 0 : p + 1;
}

/** Writes a binary trace synchronously, one checksummed block at a time. */
export class BinaryTraceWriter {
  private readonly fd: number;
  private readonly payload = new ByteWriter();
  private blockOps = 0;
  private goidsHandedOut = 0;
  /** Operations written so far. */
  count = 0;

  /** Opens (truncates) the file and writes the header. */
  constructor(path: string, engineOptions?: EngineOptions) {
    this.fd = openSync(path, "w");
    const header = Buffer.from(JSON.stringify({ engineOptions: engineOptions ?? null }), "utf8");
    const head = Buffer.alloc(FILE_HEADER_BYTES + header.length + CRC_BYTES);
    BINARY_TRACE_MAGIC.copy(head, 0);
    head.writeUInt32LE(BINARY_TRACE_VERSION, 8);
    head.writeUInt32LE(header.length, 12);
    header.copy(head, FILE_HEADER_BYTES);
    head.writeUInt32LE(crc32(head.subarray(0, FILE_HEADER_BYTES + header.length)),
      FILE_HEADER_BYTES + header.length);
    writeSync(this.fd, head);
  }

  write(op: Op): void {
    const w = this.payload;
    w.byte(OPCODES[op.op]);
    switch (op.op) {
      case "newproc":
        w.varint(op.p);
        this.goidsHandedOut++;
        break;
      case "use":
        w.zigzag(this.goidsHandedOut - op.g);
        w.varint(op.bytes);
        break;
      case "goexit":
        w.zigzag(this.goidsHandedOut - op.g);
        break;
      case "gc": case "gcStart": case "gcFinish":
        w.varint(pref(op.p));
        break;
      case "procresize":
        w.varint(op.n);
        break;
      case "readMemStats":
        break;
      case "stackalloc":
        w.varint(op.bytes);
        w.varint(pref(op.p));
        break;
      case "stackfree":
        w.zigzag(op.lo - ARENA_BASE_ADDRESS);
        w.varint(op.bytes);
        w.varint(pref(op.p));
        break;
    }
    this.blockOps++;
    this.count++;
    if (w.length >= BLOCK_PAYLOAD_BYTES) this.flushBlock();
  }

  private flushBlock(): void {
    if (this.blockOps === 0) return;
    const body = this.payload.bytes.subarray(0, this.payload.length);
    const head = Buffer.alloc(BLOCK_HEADER_BYTES);
    head.writeUInt32LE(body.length, 0);
    head.writeUInt32LE(this.blockOps, 4);
    head.writeUInt32LE(crc32(body), 8);
    writeSync(this.fd, head);
    writeSync(this.fd, body);
    this.payload.length = 0;
    this.blockOps = 0;
  }

  /** Writes the last block and the end block, then closes the file. */
  close(): void {
    this.flushBlock();
    const end = Buffer.alloc(BLOCK_HEADER_BYTES);
    end.writeUInt32LE(0, 0);
    end.writeUInt32LE(this.count >>> 0, 4);
    end.writeUInt32LE(crc32(end.subarray(0, 8)), 8);
    writeSync(this.fd, end);
    closeSync(this.fd);
  }
}

/** Pulls exact byte counts from a chunked stream, tracking the offset. */
class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Absolute offset of the next unread byte. */
  offset = 0;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(stream: AsyncIterable<Buffer>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, or fewer at the end of the file. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      const next = await this.iterator.next();
      if (next.done === true) break;
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const take = Math.min(n, all.length);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.offset += take;
    return out;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** Decodes varints from one payload, reporting positions as file offsets. */
class PayloadReader {
  pos = 0;
  constructor(private readonly bytes: Buffer, private readonly fileOffset: number,
    private readonly file: string) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  fail(message: string, at = this.pos): never {
    throw new InputError(this.file, { byteOffset: this.fileOffset + at }, message);
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail("operation runs past the end of its block");
    return this.bytes[this.pos++]!;
  }

  varint(): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 0x80;
      if (scale > 2 ** 53) this.fail("varint too long", start);
    }
    if (!Number.isSafeInteger(value)) this.fail("varint beyond 2^53", start);
    return value;
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
}

function decodePRef(value: number): PRef {
  return value === 0 ? "noP" : value - 1;
}

/** The engine options in a binary trace header and its operations. */
export interface BinaryTrace {
  engineOptions: EngineOptions | undefined;
  /** Operations with the file offset of the block that holds them. */
  ops: AsyncGenerator<{ op: Op; byteOffset: number }>;
}

/**
 * Opens a binary trace as a stream: reads and checks the header now, the
 * blocks as the operations are consumed.
 * @throws InputError with the byte offset for a foreign, newer, truncated
 * or corrupted file.
 */
export async function openBinaryTrace(path: string): Promise<BinaryTrace> {
  const source = new ByteSource(createReadStream(path, { highWaterMark: 1 << 16 }));
  const fail = (byteOffset: number, message: string): never => {
    throw new InputError(path, { byteOffset }, message);
  };
  const fixed = await source.read(FILE_HEADER_BYTES);
  if (!isBinaryTrace(fixed)) {
    await source.close();
    fail(0, "not a stacklab binary trace (bad magic bytes)");
  }
  if (fixed.length < FILE_HEADER_BYTES) fail(fixed.length, "truncated file header");
  const version = fixed.readUInt32LE(8);
  if (version > BINARY_TRACE_VERSION) {
    await source.close();
    fail(8, `binary trace format version ${version} is newer than this stacklab reads `
      + `(version ${BINARY_TRACE_VERSION}); upgrade stacklab to replay it`);
  }
  if (version === 0) fail(8, "binary trace format version 0 does not exist");
  const headerBytes = fixed.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES) fail(12, `header length ${headerBytes} is implausible`);
  const header = await source.read(headerBytes + CRC_BYTES);
  if (header.length < headerBytes + CRC_BYTES) fail(source.offset, "truncated file header");
  const expected = header.readUInt32LE(headerBytes);
  if (crc32(header.subarray(0, headerBytes), crc32(fixed)) !== expected) {
    fail(FILE_HEADER_BYTES, "file header checksum mismatch (corrupted)");
  }
  let engineOptions: EngineOptions | undefined;
  try {
    const parsed = JSON.parse(header.subarray(0, headerBytes).toString("utf8")) as
      { engineOptions?: EngineOptions | null };
    engineOptions = parsed.engineOptions ?? undefined;
  } catch {
    fail(FILE_HEADER_BYTES, "file header is not valid JSON");
  }

  async function* ops(): AsyncGenerator<{ op: Op; byteOffset: number }> {
    let total = 0;
    let goidsHandedOut = 0;
    try {
      for (;;) {
        const blockOffset = source.offset;
        const head = await source.read(BLOCK_HEADER_BYTES);
        if (head.length === 0) fail(blockOffset, "truncated: the file ends without its end block");
        if (head.length < BLOCK_HEADER_BYTES) fail(blockOffset, "truncated block header");
        const payloadBytes = head.readUInt32LE(0);
        const count = head.readUInt32LE(4);
        const checksum = head.readUInt32LE(8);
        if (payloadBytes === 0) {
          if (crc32(head.subarray(0, 8)) !== checksum) fail(blockOffset,
            "end block checksum mismatch (corrupted)");
          if (count !== total >>> 0) {
            fail(blockOffset, `end block says ${count} operations, the blocks held ${total}`);
          }
          const extra = await source.read(1);
          if (extra.length > 0) fail(blockOffset + BLOCK_HEADER_BYTES,
            "unexpected bytes after the end block");
          return;
        }
        if (payloadBytes > MAX_BLOCK_PAYLOAD_BYTES) {
          fail(blockOffset, `block length ${payloadBytes} is implausible (corrupted)`);
        }
        const body = await source.read(payloadBytes);
        if (body.length < payloadBytes) {
          fail(blockOffset, `truncated: block of ${payloadBytes} bytes has only ${body.length}`);
        }
        if (crc32(body) !== checksum) fail(blockOffset, "block checksum mismatch (corrupted)");
        const r: PayloadReader = new PayloadReader(body, blockOffset + BLOCK_HEADER_BYTES, path);
        let seen = 0;
        while (!r.done) {
          const at = r.pos;
          const code = r.byte();
          const name = OP_BY_CODE.get(code);
          let op: Op;
          switch (name) {
            case "newproc":
              op = { op: name, p: r.varint() };
              goidsHandedOut++;
              break;
            case "use":
              op = { op: name, g: goidsHandedOut - r.zigzag(), bytes: r.varint() };
              break;
            case "goexit":
              op = { op: name, g: goidsHandedOut - r.zigzag() };
              break;
            case "gc": case "gcStart": case "gcFinish": {
              const p = r.varint();
              op = p === 0 ? { op: name } : { op: name, p: p - 1 };
              break;
            }
            case "procresize":
              op = { op: name, n: r.varint() };
              break;
            case "readMemStats":
              op = { op: name };
              break;
            case "stackalloc":
              op = { op: name, bytes: r.varint(), p: decodePRef(r.varint()) };
              break;
            case "stackfree":
              op = { op: name, lo: ARENA_BASE_ADDRESS + r.zigzag(), bytes: r.varint(),
                p: decodePRef(r.varint()) };
              break;
            default:
              r.fail(`unknown opcode ${code}`, at);
          }
          seen++;
          total++;
          yield { op, byteOffset: blockOffset };
        }
        if (seen !== count) fail(blockOffset, `block says ${count} operations, holds ${seen}`);
      }
    } finally {
      await source.close();
    }
  }
  return { engineOptions, ops: ops() };
}
