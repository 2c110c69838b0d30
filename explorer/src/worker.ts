// A run worker: one wasm engine running one scenario through the shared
// driver (src/workload/driver.ts). The driver is synchronous, so the worker
// pauses inside its per-tick callback: when the tick count reaches the
// page's target it waits on the shared control words until the target
// moves. Samples go to the page in batches; views (reduced snapshots) at
// most a few times per second, and always when it pauses.
// The page ends a run by terminating the worker, even while it waits.

import { resolveConfig } from "../../src/profiles.js";
import type { Engine, EngineOptions, Stats } from "../../src/types.js";
import { createWasmEngine } from "../../src/wasm/engine.js";
import { compileScenario } from "../../src/workload/compile.js";
import { runScenario } from "../../src/workload/driver.js";
import type { StartMessage, WorkerMessage } from "./protocol.js";
import { Control, SAMPLE_FIELDS } from "./protocol.js";
import { reduceSnapshot } from "./reduce.js";

/** Shortest gap between two views while running, milliseconds. */
const MIN_VIEW_GAP_MS = 250;
/** A view may take at most this share of the worker's time. */
const VIEW_COST_SHARE = 0.1;
/** Gap between two sample batches, milliseconds. */
const SAMPLE_GAP_MS = 100;
/** How long one wait lasts before the control words are read again. */
const WAIT_SLICE_MS = 500;

function send(message: WorkerMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

function run(start: StartMessage): void {
  try {
    runToEnd(start);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send({ type: "error", message });
  }
}

/** Runs the scenario to its end; a refused operation propagates. */
function runToEnd(start: StartMessage): void {
  const control = new Int32Array(start.control);
  const compiled = compileScenario(start.scenario);
  const options: EngineOptions = { ...compiled.engineOptions, engine: "wasm" };
  const engine: Engine = createWasmEngine(resolveConfig(options),
    { module: start.module });
  send({ type: "ready", totalTicks: compiled.totalTicks,
    stackCacheBytes: engine.config.policy.stackCacheBytes, procs: engine.config.procs });

  let rows: number[] = [];
  let lastRowsAt = 0;
  let nextViewAt = 0;
  let viewTick = -1;
  let tick = 0;

  const flushRows = (): void => {
    if (rows.length === 0) return;
    const batch = Float64Array.from(rows);
    rows = [];
    lastRowsAt = performance.now();
    send({ type: "samples", rows: batch, tick }, [batch.buffer]);
  };
  const postView = (): void => {
    flushRows();
    const began = performance.now();
    const view = reduceSnapshot(engine.snapshot(), engine.config, tick,
      start.maxCellsPerSection);
    const costMs = performance.now() - began;
    nextViewAt = performance.now() + Math.max(MIN_VIEW_GAP_MS, costMs / VIEW_COST_SHARE);
    viewTick = tick;
    send({ type: "view", view: { ...view, costMs } });
  };
  // A row per tick: the tick, then SAMPLE_FIELDS.
  const onSample = (sample: Stats & { tick: number }): void => {
    rows.push(sample.tick);
    for (const field of SAMPLE_FIELDS) rows.push(sample[field]);
  };
  // Waits while `tick` ticks are done and the target allows no more.
  const holdAtTarget = (): void => {
    let target = Atomics.load(control, Control.targetTick);
    while (tick >= target) {
      if (viewTick !== tick) postView();
      Atomics.wait(control, Control.targetTick, target, WAIT_SLICE_MS);
      target = Atomics.load(control, Control.targetTick);
    }
  };
  const onTick = (done: number): void => {
    tick = done;
    Atomics.store(control, Control.progress + start.side, tick);
    const now = performance.now();
    if (now - lastRowsAt >= SAMPLE_GAP_MS) flushRows();
    if (now >= nextViewAt) postView();
    holdAtTarget();
  };

  try {
    holdAtTarget();
    runScenario(engine, compiled, { sampleEvery: 1, onSample, onTick });
  } finally {
    flushRows();
  }
  postView();
  send({ type: "done", tick });
}

self.onmessage = (event: MessageEvent<StartMessage>): void => {
  if (event.data.type === "start") run(event.data);
};
