import { describe, expect, it } from "vitest";
import { MAX_HEAP_LIMIT_BYTES, resolveConfig } from "../src/profiles.js";
import { createWasmEngine } from "../src/wasm/engine.js";

// The core holds a million goroutines with 8 KiB stacks (8 GiB of
// simulated stacks) in well under 256 MiB of linear memory, because
// simulated addresses cost one word per FixedStack slot, not their bytes.
const MiB = 2 ** 20;
const memoryBytes = (engine: object): number =>
  (engine as { memoryBytes: number }).memoryBytes;

describe("wasm core at scale", () => {
  it("1,000,000 goroutines grown to 8 KiB fit in under 256 MiB", () => {
    const engine = createWasmEngine(resolveConfig({ platform: "linux/amd64" }));
    const ids: number[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const g = engine.newproc(0);
      engine.use(g, 5000);
      ids.push(g);
    }
    const live = engine.stats();
    expect(live.liveStackBytes).toBe(1_000_000 * 8192);
    expect(live.growCopies).toBe(2_000_000);
    for (const g of ids) engine.goexit(g);
    engine.gc();
    expect(engine.stats().stackInuse).toBe(0);
    expect(memoryBytes(engine)).toBeLessThan(256 * MiB);
    // The G record, slot word and pageSpan arrays double as they fill; the
    // blocks they leave are reused (memory.ts). This run ends at 96 MiB of
    // linear memory, and at 128 MiB when those blocks were abandoned.
    expect(memoryBytes(engine)).toBeLessThan(112 * MiB);
  });

  it("starts with the largest heap limit in a few MiB", () => {
    const engine = createWasmEngine(resolveConfig({ heapLimitBytes: MAX_HEAP_LIMIT_BYTES }));
    const stack = engine.stackalloc(512 * MiB, 0);
    engine.stackfree(stack, 0);
    expect(engine.stats().heapPages).toBe(65536);
    expect(memoryBytes(engine)).toBeLessThan(16 * MiB);
  });
});
