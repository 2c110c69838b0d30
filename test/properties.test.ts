import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/index.js";
import { Tracker, apply, configArb, opArb } from "./ops.js";

// At least 1,000,000 operations per run, mixing valid and invalid ones, on
// both engines: the same outcome (value, or error code and runtime text) at
// every step, the invariant checker after every step, identical stats after
// every step and identical full snapshots every SNAPSHOT_EVERY steps.
const RUNS = 200;
const OPS_PER_RUN = 5000;
const SNAPSHOT_EVERY = 250;

describe("property: both engines agree on long mixed streams", () => {
  // About a minute alone; CI runs test files side by side on two cores, so
  // allow several times that before calling it a failure.
  it(`${RUNS} streams of ${OPS_PER_RUN} operations`, { timeout: 600_000 }, () => {
    let total = 0;
    let rejected = 0;
    fc.assert(fc.property(configArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (options, seed) => {
      const ops = fc.sample(opArb, { numRuns: OPS_PER_RUN, seed });
      const ts = createEngine({ ...options, engine: "ts", checkInvariants: true });
      const wasm = createEngine({ ...options, engine: "wasm", checkInvariants: false });
      const tTs = new Tracker();
      const tWasm = new Tracker();
      ops.forEach((op, step) => {
        const a = apply(ts, tTs, op);
        const b = apply(wasm, tWasm, op);
        const where = `seed ${seed} step ${step} ${JSON.stringify(op)}`;
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(b, where).toEqual(a);
        if ("code" in a) rejected++;
        const sa = ts.stats();
        const sb = wasm.stats();
        if (JSON.stringify(sa) !== JSON.stringify(sb)) expect(sb, where).toEqual(sa);
        if (step % SNAPSHOT_EVERY === 0) expect(wasm.snapshot(), where).toEqual(ts.snapshot());
      });
      wasm.checkInvariants();
      expect(wasm.snapshot()).toEqual(ts.snapshot());
      total += ops.length;
    }), { numRuns: RUNS, seed: 1203 });
    console.info(`properties: ${total} operations per engine, ${rejected} rejected on both`);
    expect(total).toBeGreaterThanOrEqual(1_000_000);
    // The streams must exercise the error paths, not only the happy ones.
    expect(rejected).toBeGreaterThan(total / 20);
  });
});
