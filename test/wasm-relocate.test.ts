import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/profiles.js";
import { createReferenceEngine } from "../src/reference/engine.js";
import type { Engine, EngineOptions, Stack } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { type Outcome, outcomeOf as outcome } from "./support.js";

// The core keeps pageSpan words, slot words and span records in arrays that
// move to blocks twice the size as the arena is mapped and span ids run out
// (heap.ts growAddrArrays, spans.ts growSpans). Random streams stay in one
// or two chunks and far below the first span array's room, so this run
// forces every move on purpose: chunk after chunk mapped by 64 MiB stacks
// while goroutines and cached stacks hold slot words and free lists in the
// chunks already mapped, then thousands of live large spans, and finally a
// full heap whose limit cuts the last chunk (the array room is clamped to
// it). Both engines must agree on every outcome and snapshot.
const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE_BYTES = 8 * KiB;
/** A stack that fills a 64 MiB chunk, so each one maps a chunk. */
const CHUNK_STACK_BYTES = 64 * MiB;
/** Large (4-page) stacks: enough live spans to move the span array twice. */
const SPAN_STACKS = 5000;
const SPAN_STACK_BYTES = 32 * KiB;
const GOROUTINES_PER_CHUNK = 40;
const options: EngineOptions = {
  platform: "linux/amd64", procs: 2, heapLimitBytes: 1536 * MiB + 5 * PAGE_BYTES,
};

/** One engine and what the test holds of it: goroutines and raw stacks. */
class Side {
  readonly gs: number[] = [];
  readonly raw: Stack[] = [];
  constructor(readonly engine: Engine) {}

  spawn(p: number, bytes: number): Outcome {
    return outcome(() => {
      const g = this.engine.newproc(p);
      this.engine.use(g, bytes);
      this.gs.push(g);
      return g;
    });
  }

  alloc(bytes: number, p: number | "noP"): Outcome {
    return outcome(() => {
      const stack = this.engine.stackalloc(bytes, p);
      this.raw.push(stack);
      return stack;
    });
  }

  free(index: number, p: number | "noP"): Outcome {
    const [stack] = this.raw.splice(index % this.raw.length, 1);
    return outcome(() => this.engine.stackfree(stack!, p));
  }

  exit(index: number): Outcome {
    const [g] = this.gs.splice(index % this.gs.length, 1);
    return outcome(() => this.engine.goexit(g!));
  }
}

function run(build: "release" | "debug"): void {
  const ts = new Side(createReferenceEngine(resolveConfig({ ...options, engine: "ts" })));
  const wasm = new Side(createWasmEngine(resolveConfig({ ...options, engine: "wasm" }),
    { build }));
  const both = (where: string, step: (side: Side) => Outcome, compare = true): void => {
    expect(step(wasm), where).toEqual(step(ts));
    if (compare) expect(wasm.engine.snapshot(), where).toEqual(ts.engine.snapshot());
  };

  // Chunk by chunk: each 64 MiB stack maps one, moving the arrays whenever
  // the mapped chunks pass a power of two; goroutines grown between them
  // put live stacks and cached free stacks in every chunk.
  for (let chunk = 0; chunk < 20; chunk++) {
    both(`chunk ${chunk}`, (side) => side.alloc(CHUNK_STACK_BYTES, "noP"));
    for (let i = 0; i < GOROUTINES_PER_CHUNK; i++) {
      both(`chunk ${chunk} g ${i}`, (side) => side.spawn(i % 2, 5000 + 1000 * (i % 20)),
        i === GOROUTINES_PER_CHUNK - 1);
    }
    both(`chunk ${chunk} exit`, (side) => side.exit(chunk * 7));
  }

  // Live large spans past two span array moves, snapshot now and then.
  for (let i = 0; i < SPAN_STACKS; i++) {
    both(`span stack ${i}`, (side) => side.alloc(SPAN_STACK_BYTES, i % 3 === 0 ? "noP" : 1),
      i % 500 === 0);
  }
  both("span stacks done", (side) => side.spawn(0, 2000));

  // Fill the heap: the last chunk is cut by the limit, then refusals.
  for (let i = 0; i < 8; i++) {
    both(`fill ${i}`, (side) => side.alloc(CHUNK_STACK_BYTES, "noP"));
  }
  // Smaller stacks fill the holes left, then map the cut chunk and refuse.
  for (let i = 0; i < 2000; i++) {
    const got = wasm.alloc(SPAN_STACK_BYTES, "noP");
    expect(got, `top up ${i}`).toEqual(ts.alloc(SPAN_STACK_BYTES, "noP"));
    if (i % 250 === 0 || "code" in got) {
      expect(wasm.engine.snapshot(), `top up ${i}`).toEqual(ts.engine.snapshot());
    }
    if ("code" in got) break;
  }
  expect(wasm.engine.stats().heapPages).toBe(options.heapLimitBytes! / PAGE_BYTES);

  // Give back in scattered order, with a GC, so freed records and pages are
  // reused from the moved arrays.
  for (let i = 0; i < SPAN_STACKS / 2; i++) {
    both(`free ${i}`, (side) => side.free(i * 13, i % 2 === 0 ? "noP" : 0), i % 500 === 0);
  }
  both("gc", (side) => outcome(() => side.engine.gc()));
  for (let i = 0; i < 1000; i++) {
    both(`again ${i}`, (side) => side.alloc(SPAN_STACK_BYTES * 2, "noP"), i % 250 === 0);
  }
  both("last", (side) => side.spawn(1, 9000));
  wasm.engine.checkInvariants();
}

describe("wasm core address arrays moving as the arena grows", () => {
  for (const build of ["release", "debug"] as const) {
    it(`agrees with the reference engine across every move (${build})`, () => run(build));
  }
});
