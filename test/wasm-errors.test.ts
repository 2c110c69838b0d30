import { describe, expect, it } from "vitest";
import { InvariantError, UsageError } from "../src/errors.js";
import { resolveConfig } from "../src/profiles.js";
import type { Engine } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import type { CoreExports } from "../src/wasm/load.js";

// How the wasm engine reports failures: a refused operation is a
// UsageError with the runtime's text and leaves the state as it was; a trap
// inside the core is an InvariantError and retires the engine.
const core = (engine: Engine): CoreExports =>
  (engine as unknown as { core: CoreExports }).core;

describe("wasm engine errors", () => {
  it("a refused operation throws UsageError and changes nothing", () => {
    const engine = createWasmEngine(resolveConfig({ heapLimitBytes: 8 * 8192 }));
    const g = engine.newproc(0);
    const before = engine.snapshot();
    expect(() => engine.use(g, 700_000_000)).toThrow(UsageError);
    expect(() => engine.stackalloc(128 * 1024, 0)).toThrow(/out of simulated memory/);
    expect(() => engine.stackfree({ lo: before.gs[0]!.lo, hi: before.gs[0]!.hi }, 0))
      .toThrow(/bad stack size/);
    expect(() => engine.gcFinish()).toThrow(/bad GC phase/);
    expect(engine.snapshot()).toEqual(before);
  });

  for (const build of ["release", "debug"] as const) {
    it(`a trap in the core becomes an InvariantError and retires the engine (${build})`,
      () => {
        const engine = createWasmEngine(resolveConfig({}), { build });
        engine.newproc(0);
        // Point the slot word array (GLOBALS + 72) past the end of memory:
        // the next stack taken from the cache reads its slot word there.
        const globals = core(engine).statsAddress() - 512;
        new Uint32Array(core(engine).memory.buffer, globals + 72, 1)[0] = 0x7ffffff0;
        expect(() => engine.newproc(0)).toThrow(InvariantError);
        expect(() => engine.gc()).toThrow(/retired/);
      });
  }

  it("a failed check of the debug build names its rule", () => {
    const engine = createWasmEngine(resolveConfig({}), { build: "debug" });
    engine.newproc(0);
    // Zero the allocCount of span 1 (span record array at GLOBALS + 112,
    // 32-byte records indexed by id, allocCount at +12), then flush the
    // caches into it.
    const memory = core(engine).memory.buffer;
    const globals = core(engine).statsAddress() - 512;
    const spans = new Uint32Array(memory, globals + 112, 1)[0]!;
    new Uint32Array(memory, spans + 32 + 12, 1)[0] = 0;
    expect(() => engine.readMemStats()).toThrow(/bad allocCount/);
    expect(() => engine.newproc(0)).toThrow(InvariantError);
  });
});
