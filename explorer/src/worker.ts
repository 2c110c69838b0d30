// A run worker: one wasm engine running one scenario with the shared
// driver's resumable run (ScenarioRun in src/workload/driver.ts). It runs
// slices of ticks up to the page's target tick, each at most SLICE_MS long,
// and goes back to its event loop between slices, so the page's next
// target (pause, step, a new speed) is read within a slice. Samples go to
// the page in batches; views (reduced snapshots) at most a few times per
// second while playing, and always where the run holds while paused or
// where it ends. The page ends a run by terminating the worker.

import { resolveConfig } from "../../src/profiles.js";
import type { Engine, EngineOptions, Stats } from "../../src/types.js";
import { createWasmEngine } from "../../src/wasm/engine.js";
import { compileScenario } from "../../src/workload/compile.js";
import { ScenarioRun } from "../../src/workload/driver.js";
import type { PageMessage, StartMessage, TargetMessage, WorkerMessage } from "./protocol.js";
import { SAMPLE_FIELDS } from "./protocol.js";
import { reduceSnapshot } from "./reduce.js";

/** Shortest gap between two views while running, milliseconds. */
const MIN_VIEW_GAP_MS = 250;
/** A view may take at most this share of the worker's time. */
const VIEW_COST_SHARE = 0.1;
/** Gap between two sample batches, milliseconds. */
const SAMPLE_GAP_MS = 100;
/** Longest run of ticks between two returns to the event loop, milliseconds. */
const SLICE_MS = 15;

function send(message: WorkerMessage, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One scenario run, advanced slice by slice towards the page's target. */
class Runner {
  private readonly engine: Engine;
  private readonly run: ScenarioRun;
  /** Wakes the runner for its next slice without a timer's clamping. */
  private readonly wake = new MessageChannel();
  private target = 0;
  private paused = true;
  private scheduled = false;
  /** Finished or failed: nothing more runs. */
  private over = false;
  private rows: number[] = [];
  private lastRowsAt = 0;
  private nextViewAt = 0;
  private viewTick = -1;

  constructor(private readonly start: StartMessage) {
    const compiled = compileScenario(start.scenario);
    const options: EngineOptions = { ...compiled.engineOptions, engine: "wasm" };
    this.engine = createWasmEngine(resolveConfig(options), { module: start.module });
    // A row per tick: the tick, then SAMPLE_FIELDS.
    const onSample = (sample: Stats & { tick: number }): void => {
      this.rows.push(sample.tick);
      for (const field of SAMPLE_FIELDS) this.rows.push(sample[field]);
    };
    this.run = new ScenarioRun(this.engine, compiled, { sampleEvery: 1, onSample });
    send({ type: "ready", totalTicks: compiled.totalTicks,
      stackCacheBytes: this.engine.config.policy.stackCacheBytes,
      procs: this.engine.config.procs });
    this.wake.port1.onmessage = () => this.slice();
    this.schedule();
  }

  retarget(message: TargetMessage): void {
    this.target = message.tick;
    this.paused = message.paused;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.over) return;
    this.scheduled = true;
    this.wake.port2.postMessage(null);
  }

  private slice(): void {
    this.scheduled = false;
    if (this.over) return;
    try {
      this.runSlice();
    } catch (error) {
      // A refused operation leaves the run mid-tick: it cannot go on.
      this.over = true;
      this.flushRows();
      send({ type: "progress", tick: this.run.ticks });
      send({ type: "error", message: errorText(error) });
    }
  }

  /** Runs ticks until the target, the end or the slice's time is up. */
  private runSlice(): void {
    const run = this.run;
    const sliceEnd = performance.now() + SLICE_MS;
    let finished = run.finished;
    while (!finished && run.ticks < this.target) {
      finished = run.advance(1);
      if (performance.now() >= sliceEnd) break;
    }
    // Holding at the target: notice a scenario that has just ended there.
    if (!finished && run.ticks >= this.target) finished = run.advance(0);
    const tick = run.ticks;
    const holding = finished || tick >= this.target;
    const now = performance.now();
    if (now - this.lastRowsAt >= SAMPLE_GAP_MS) this.flushRows();
    const settled = finished || (holding && this.paused);
    if (settled ? this.viewTick !== tick : now >= this.nextViewAt) this.postView();
    send({ type: "progress", tick });
    if (finished) {
      this.over = true;
      this.flushRows();
      send({ type: "done", tick });
    } else if (!holding) {
      this.schedule();
    }
  }

  private flushRows(): void {
    if (this.rows.length === 0) return;
    const batch = Float64Array.from(this.rows);
    this.rows = [];
    this.lastRowsAt = performance.now();
    send({ type: "samples", rows: batch, tick: this.run.ticks }, [batch.buffer]);
  }

  private postView(): void {
    this.flushRows();
    const tick = this.run.ticks;
    const began = performance.now();
    const view = reduceSnapshot(this.engine.snapshot(), this.engine.config, tick,
      this.start.maxCellsPerSection);
    const costMs = performance.now() - began;
    this.nextViewAt = performance.now() + Math.max(MIN_VIEW_GAP_MS, costMs / VIEW_COST_SHARE);
    this.viewTick = tick;
    send({ type: "view", view: { ...view, costMs } });
  }
}

let runner: Runner | undefined;

self.onmessage = (event: MessageEvent<PageMessage>): void => {
  const message = event.data;
  if (message.type === "target") {
    runner?.retarget(message);
    return;
  }
  try {
    runner = new Runner(message);
  } catch (error) {
    send({ type: "error", message: errorText(error) });
  }
};
