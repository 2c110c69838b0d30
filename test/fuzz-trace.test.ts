import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError, StackLabError, createEngine } from "../src/index.js";
import { applyOp, createTraceWriter, openTrace } from "../src/trace/trace.js";
import type { Op } from "../src/workload/types.js";

// Fuzzing the trace readers: a valid trace of each format is cut, has bytes
// changed or inserted, and is replayed on an engine. A damaged file must be
// refused with an InputError (binary: with the byte offset); an operation
// the engine refuses is a StackLabError; nothing else may escape.

const dir = mkdtempSync(join(tmpdir(), "stacklab-fuzz-"));

/** A small but varied operation stream, valid from start to end. */
function sampleOps(): Op[] {
  const ops: Op[] = [];
  let goid = 0;
  for (let i = 0; i < 400; i++) {
    ops.push({ op: "newproc", p: i % 2 });
    goid++;
    ops.push({ op: "use", g: goid, bytes: (i * 997) % 20_000 });
    if (i % 3 === 0) ops.push({ op: "goexit", g: goid });
    if (i % 97 === 0) ops.push({ op: "gc" });
  }
  ops.push({ op: "stackalloc", bytes: 4096, p: "noP" }, { op: "readMemStats" });
  return ops;
}

function writeTrace(name: string): Buffer {
  const path = join(dir, name);
  const writer = createTraceWriter(path, { procs: 2 });
  for (const op of sampleOps()) writer.write(op);
  writer.close();
  return readFileSync(path);
}

const originals = { binary: writeTrace("ok.trace"), jsonl: writeTrace("ok.jsonl") };
const counts = { replayed: 0, inputErrors: 0, refusedOps: 0, withOffset: 0 };

async function replayDamaged(bytes: Uint8Array, ext: string, n: number): Promise<void> {
  const path = join(dir, `damaged-${n}.${ext}`);
  writeFileSync(path, bytes);
  try {
    const trace = await openTrace(path);
    const engine = createEngine({ ...(trace.engineOptions ?? {}), engine: "wasm" });
    for await (const { op } of trace.ops) {
      try {
        applyOp(engine, op);
      } catch (err) {
        if (!(err instanceof StackLabError) || err instanceof InputError) throw err;
        counts.refusedOps++;
      }
    }
    counts.replayed++;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    counts.inputErrors++;
    if (ext === "trace" && err.details.byteOffset !== undefined) counts.withOffset++;
  }
}

type Damage = { kind: "cut" | "flip" | "insert"; at: number; value: number; length: number };
const damage: fc.Arbitrary<Damage> = fc.record({
  kind: fc.constantFrom("cut", "flip", "insert"),
  at: fc.nat(),
  value: fc.integer({ min: 1, max: 255 }),
  length: fc.integer({ min: 1, max: 16 }),
});

function apply(original: Buffer, d: Damage): Uint8Array {
  const at = d.at % original.length;
  if (d.kind === "cut") return original.subarray(0, at);
  const copy = Buffer.from(original);
  if (d.kind === "flip") {
    copy[at] = copy[at]! ^ d.value;
    return copy;
  }
  return Buffer.concat([copy.subarray(0, at), Buffer.alloc(d.length, d.value), copy.subarray(at)]);
}

describe("fuzz: trace readers only ever raise typed errors", () => {
  let n = 0;
  it("damaged binary traces are refused with a byte offset", async () => {
    await fc.assert(fc.asyncProperty(damage, async (d) => {
      await replayDamaged(apply(originals.binary, d), "trace", n++);
    }), { numRuns: 600, seed: 21 });
    // A binary trace has no unchecked byte: every flip or cut is caught.
    expect(counts.withOffset).toBeGreaterThan(500);
  });

  it("damaged op scripts are refused with file and line", async () => {
    await fc.assert(fc.asyncProperty(damage, async (d) => {
      await replayDamaged(apply(originals.jsonl, d), "jsonl", n++);
    }), { numRuns: 600, seed: 22 });
  });

  it("random bytes are never mistaken for a trace", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (b) => {
      await replayDamaged(b, "trace", n++);
    }), { numRuns: 400, seed: 23 });
    expect(counts.inputErrors).toBeGreaterThan(800);
    console.info(`fuzz-trace: ${JSON.stringify(counts)}`);
  });
});
