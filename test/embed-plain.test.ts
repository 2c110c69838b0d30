// The core embedded from plain JavaScript (test/fixtures/embed.mjs) through
// the documented ABI only, checked against the stacklab host.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { STATS_FIELDS } from "../src/types.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { loadScenario } from "../src/workload/load.js";
// @ts-expect-error: a plain JavaScript module without type declarations
import { BATCH_REF, runBatch, runCompiled } from "./fixtures/embed.mjs";

const wasm = readFileSync(new URL("../build/release.wasm", import.meta.url));

interface BatchOut { executed: number; results: number[]; stats: number[] }
interface RunOut { ticks: number; lifecycles: number; operations: number; stats: number[] }

describe("plain JavaScript embedding through docs/ABI.md", () => {
  it("runs a batch with in-batch references, as the host's per-operation calls", async () => {
    const ref = (k: number): number => (BATCH_REF as number) + k;
    const records = [
      { op: "newproc", p: 0 }, { op: "use", g: ref(0), bytes: 5000 },
      { op: "newproc", p: 1 }, { op: "stackalloc", p: -1, bytes: 8192 },
      { op: "goexit", g: ref(0) }, { op: "stackfree", p: -1, g: ref(3), bytes: 8192 },
      { op: "gc", p: 1 }, { op: "use", g: ref(0), bytes: 10 },
    ];
    const out = await (runBatch as (b: Buffer, r: object[], s: boolean) =>
      Promise<BatchOut>)(wasm, records, false);
    expect(out.executed).toBe(records.length);
    expect(out.results.slice(0, 7).every((r) => r >= 0)).toBe(true);
    expect(out.results[7]).toBe(-12);

    const engine = createEngine({ engine: "wasm", procs: 2 });
    const g1 = engine.newproc(0);
    engine.use(g1, 5000);
    engine.newproc(1);
    const raw = engine.stackalloc(8192, "noP");
    engine.goexit(g1);
    engine.stackfree(raw, "noP");
    engine.gc(1);
    const stats = engine.stats();
    expect(out.stats).toEqual(STATS_FIELDS.map((f) => stats[f]));
  });

  it("runs a scenario with the core's driver, as runScenario", async () => {
    const compiled = compileScenario(loadScenario("default").scenario, { maxTicks: 50 });
    const procs = compiled.engineOptions.procs ?? 1;
    const out = await (runCompiled as (b: Buffer, c: object, p: number) =>
      Promise<RunOut>)(wasm, compiled, procs);
    const engine = createEngine({ ...compiled.engineOptions, engine: "ts" });
    const result = runScenario(engine, compiled);
    expect(out.ticks).toBe(result.ticks);
    expect(out.lifecycles).toBe(result.lifecycles);
    expect(out.operations).toBe(result.operations);
    expect(out.stats).toEqual(STATS_FIELDS.map((f) => result.stats[f]));
  });
});
