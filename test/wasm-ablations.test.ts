import { beforeAll, describe, expect, it } from "vitest";
import { compileAblatedCore } from "../bench/ablated-core.js";
import { resolveConfig } from "../src/profiles.js";
import type { Engine } from "../src/types.js";
import { createWasmEngine } from "../src/wasm/engine.js";
import { coreModule, instantiateCore } from "../src/wasm/load.js";

// Measurement-only cores (assembly/ablations.ts, bench/headroom.ts): the
// real builds leave nothing out, the host refuses an ablated core unless
// asked, and an ablated core does leave out what its mask names (else the
// headroom bench would measure nothing).

/** ABLATE_STATS | ABLATE_SPAN_RETURN (assembly/ablations.ts). */
const STATS_AND_SPAN_RETURN = 1 | 4;

/** A 2 KiB stack taken on no P and given back, with the GC off. */
function poolRoundTrip(engine: Engine): void {
  const stack = engine.stackalloc(2048, "noP");
  engine.stackfree(stack, "noP");
}

describe("measurement-only cores", () => {
  let ablated: WebAssembly.Module;
  beforeAll(() => {
    ablated = compileAblatedCore(STATS_AND_SPAN_RETURN);
  });

  it("the release and debug builds leave nothing out", () => {
    for (const build of ["release", "debug"] as const) {
      expect(instantiateCore(coreModule(build)).ABLATIONS?.value).toBe(0);
    }
  });

  it("the host refuses an ablated core unless asked, and names why", () => {
    expect(() => createWasmEngine(resolveConfig({}), { module: ablated }))
      .toThrow(/measurement-only core \(ABLATIONS 5\)/);
    const engine = createWasmEngine(resolveConfig({}), { module: ablated, ablated: true });
    expect(engine.snapshot().stats.stackInuse).toBe(0);
  });

  it("an ablated core leaves out its stats and the pool span's return", () => {
    const real = createWasmEngine(resolveConfig({}));
    const measuring = createWasmEngine(resolveConfig({}), { module: ablated, ablated: true });
    poolRoundTrip(real);
    poolRoundTrip(measuring);
    const kept = real.snapshot();
    const left = measuring.snapshot();
    // The runtime returns the empty pool span to the heap with the GC off.
    expect(kept.stats.spanAllocs).toBe(1);
    expect(kept.stats.spanFrees).toBe(1);
    expect(kept.spans).toEqual([]);
    // The ablated core keeps it in its pool and counts nothing.
    expect(left.spans).toHaveLength(1);
    expect(left.stackpool[0]).toEqual([left.spans[0]!.base]);
    expect(left.stats.spanAllocs).toBe(0);
    expect(left.stats.spanFrees).toBe(0);
  });
});
