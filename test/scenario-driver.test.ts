// The driver: integer-only, deterministic, and in the documented order.
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { compileScenario, quantileTable, TABLE_ENTRIES } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { Rng } from "../src/workload/rng.js";
import { validateScenario } from "../src/workload/scenario.js";
import type { Op } from "../src/workload/types.js";

const small = {
  name: "small",
  seed: 11,
  engine: { procs: 3 },
  phases: [{
    durationTicks: 60,
    arrivals: { ratePerTick: 2.5 },
    lifetimeTicks: { kind: "uniform", min: 1, max: 9 },
    peakStackBytes: { kind: "logNormal", median: 4000, sigma: 1 },
    blockedStackBytes: { kind: "histogram", buckets: [{ value: 100, weight: 3 }, { min: 500,
      max: 3000, weight: 1 }] },
    placement: "random",
    noPShare: { probability: 0.25, bytes: 8192 },
    gc: { everyExits: 20, markTicks: 2 },
    procresize: [{ atTick: 30, procs: 1 }, { atTick: 45, procs: 4 }],
  }],
  drain: true,
};

function record(seed = 11): { ops: Op[]; result: ReturnType<typeof runScenario> } {
  const compiled = compileScenario(validateScenario({ ...small, seed }, "small.json"));
  const engine = createEngine({ ...compiled.engineOptions, engine: "ts", checkInvariants: true });
  const ops: Op[] = [];
  const result = runScenario(engine, compiled, { sampleEvery: 7, onOp: (op) => ops.push(op) });
  return { ops, result };
}

describe("driver", () => {
  it("xoshiro128** seeded by splitmix32 gives the documented first draws", () => {
    const rng = new Rng(1);
    const first = [rng.next(), rng.next(), rng.next(), rng.next()];
    for (const v of first) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    expect(first).toEqual(FIRST_DRAWS_SEED_1);
  });

  it("quantile tables hold 4096 rounded values in range", () => {
    const t = quantileTable({ kind: "exponential", mean: 10 }, 1, 1000);
    expect(t.length).toBe(TABLE_ENTRIES);
    expect(t[0]).toBe(1);
    expect(t[2048]).toBe(Math.round(-10 * Math.log(1 - 2048.5 / 4096)));
    expect([...t].every((v, i) => i === 0 || v >= t[i - 1]!)).toBe(true);
  });

  it("repeats the same operation sequence and results for the same seed", () => {
    const a = record();
    const b = record();
    expect(b.ops).toEqual(a.ops);
    expect(b.result).toEqual(a.result);
    expect(record(12).ops).not.toEqual(a.ops);
  });

  it("starts 2.5 goroutines a tick on average and drains every one", () => {
    const { ops, result } = record();
    expect(result.lifecycles).toBe(150);
    expect(result.exits).toBe(150);
    expect(result.stats.liveGoroutines).toBe(0);
    expect(result.stats.rawStackBytes).toBe(0);
    expect(ops.filter((o) => o.op === "newproc").length).toBe(150);
    expect(result.operations).toBe(ops.length);
  });

  it("gives each goroutine newproc, use(peak), use(blocked), then goexit", () => {
    const { ops } = record();
    const seen = new Map<number, string[]>();
    let nextId = 1;
    for (const op of ops) {
      if (op.op === "newproc") seen.set(nextId++, ["newproc"]);
      if (op.op === "use") seen.get(op.g)!.push("use");
      if (op.op === "goexit") seen.get(op.g)!.push("goexit");
    }
    for (const steps of seen.values()) expect(steps).toEqual(["newproc", "use", "use", "goexit"]);
    expect(ops.some((o) => o.op === "gcStart")).toBe(true);
    expect(ops.filter((o) => o.op === "gcStart").length)
      .toBe(ops.filter((o) => o.op === "gcFinish").length);
    expect(ops.filter((o) => o.op === "procresize")).toEqual([
      { op: "procresize", n: 1 }, { op: "procresize", n: 4 }]);
  });

  it("keeps the peak at the highest tick-end stackInuse", () => {
    const { result } = record();
    for (const s of result.samples) {
      expect(s.stackInuse).toBeLessThanOrEqual(result.peak.stackInuse);
    }
    expect(result.samples.at(-1)!.tick).toBe(result.ticks - 1);
  });
});

// Checked against an independent Python implementation of the same algorithm.
const FIRST_DRAWS_SEED_1 = [2442144158, 3238099751, 3819917871, 2104621829];
