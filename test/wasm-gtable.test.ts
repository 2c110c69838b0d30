import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/profiles.js";
import { createReferenceEngine } from "../src/reference/engine.js";
import { createWasmEngine } from "../src/wasm/engine.js";

// Dead Gs without a stack do not hold heap pages, so many Ps can park more
// Gs than the heap has stack slots; the G table must keep growing.
describe("wasm G table", () => {
  it("grows past what the heap limit alone would suggest", () => {
    const options = {
      procs: 32, heapLimitBytes: 4 * 1024 * 1024,
      policy: { gfreeSpillAt: 1000, gfreeKeep: 32 },
    };
    const wasm = createWasmEngine(resolveConfig(options), { build: "debug" });
    const ts = createReferenceEngine(resolveConfig({ ...options, engine: "ts" }));
    for (const engine of [wasm, ts]) {
      // Each P makes 300 Gs (its list and the global lists are empty),
      // grows them, and parks them without stacks on its own list.
      for (let p = 0; p < 32; p++) {
        const ids: number[] = [];
        for (let i = 0; i < 300; i++) ids.push(engine.newproc(p));
        for (const g of ids) engine.use(g, 3000);
        for (const g of ids) engine.goexit(g);
        engine.readMemStats();
      }
    }
    const snapshot = wasm.snapshot();
    expect(snapshot.gs.length).toBe(9600);
    expect(snapshot).toEqual(ts.snapshot());
  });
});
