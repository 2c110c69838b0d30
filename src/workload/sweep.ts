// Parameter sweeps: a grid of scenario variants (`--set KEY=V1,V2`), run in
// parallel on worker threads or in this thread, optionally one shard of the
// grid at a time, with part files that merge back into one result.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { EngineKind } from "../types.js";
import { executeScenario } from "./load.js";
import { validateScenario } from "./scenario.js";
import type { ReportedRun } from "../report/html.js";
import type { Sample } from "./types.js";

/** One swept key and its values, in the order given. */
export interface SweepAxis {
  key: string;
  values: unknown[];
}

/** One point of the grid: index and the value of every axis. */
export interface SweepConfig {
  index: number;
  settings: Record<string, unknown>;
}

/** What a sweep keeps of each run. */
export interface SweepResult extends SweepConfig, ReportedRun {
  /** At most MAX_SWEEP_SAMPLES samples, for reports. */
  samples: Sample[];
}

/** A sweep's (partial) result, as part files store it. */
export interface SweepOutput {
  kind: "stacklab-sweep";
  formatVersion: 1;
  scenario: string;
  engine: EngineKind;
  axes: SweepAxis[];
  totalConfigs: number;
  /** 1-based shard index and count; 1/1 for a whole sweep. */
  shard: { index: number; count: number };
  results: SweepResult[];
}

/** Samples kept per configuration. */
export const MAX_SWEEP_SAMPLES = 400;

/** Keys a sweep may set, with where they live in the scenario. */
const ENGINE_KEYS = ["platform", "goVersion", "adaptiveStackStart", "procs", "heapLimitBytes"];

/**
 * Parses one `--set KEY=V1,V2` argument. Values are JSON when they parse
 * as JSON (numbers, true/false), strings otherwise.
 * @throws InputError naming the argument.
 */
export function parseSetArgument(text: string): SweepAxis {
  const eq = text.indexOf("=");
  const where = `--set ${text}`;
  if (eq <= 0) throw new InputError(where, {}, "expected KEY=V1,V2,...");
  const key = text.slice(0, eq).trim().replace(/^engine\./, "");
  if (!(key === "seed" || ENGINE_KEYS.includes(key) || /^policy\.\w+$/.test(key))) {
    throw new InputError(where, { field: key },
      `cannot sweep this key; expected seed, ${ENGINE_KEYS.join(", ")} or policy.<knob>`);
  }
  const values = text.slice(eq + 1).split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (values.length === 0) throw new InputError(where, { field: key },
    "expected at least one value");
  return {
    key,
    values: values.map((v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }),
  };
}

/** Every combination of the axes, the first axis varying slowest. */
export function expandGrid(axes: SweepAxis[]): SweepConfig[] {
  let grid: Record<string, unknown>[] = [{}];
  for (const axis of axes) {
    grid = grid.flatMap((partial) => axis.values.map((v) => ({ ...partial, [axis.key]: v })));
  }
  return grid.map((settings, index) => ({ index, settings }));
}

/** The scenario JSON with one configuration's settings applied. */
export function applySettings(json: unknown, settings: Record<string, unknown>): unknown {
  const copy = structuredClone(json) as Record<string, unknown>;
  for (const [key, value] of Object.entries(settings)) {
    if (key === "seed") {
      copy.seed = value;
      continue;
    }
    const engine = { ...(copy.engine as Record<string, unknown> | undefined) };
    if (key.startsWith("policy.")) {
      engine.policy = { ...(engine.policy as Record<string, unknown> | undefined),
        [key.slice("policy.".length)]: value };
    } else {
      engine[key] = value;
    }
    copy.engine = engine;
  }
  return copy;
}

/** A short label for a configuration: `procs=8 policy.keepGrownStackBytes=0`. */
export function configLabel(settings: Record<string, unknown>): string {
  const parts = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? "(base)" : parts.join(" ");
}

/** The job one worker runs. */
export interface SweepJob {
  json: unknown;
  file: string;
  config: SweepConfig;
  engine: EngineKind;
  maxTicks?: number;
}

/**
 * Runs one configuration in this thread.
 * @throws InputError naming the setting when the variant is invalid.
 */
export function runSweepJob(job: SweepJob): SweepResult {
  const label = `${job.file} with ${configLabel(job.config.settings)}`;
  const scenario = validateScenario(applySettings(job.json, job.config.settings), label);
  const ticks = job.maxTicks ?? scenario.phases.reduce((s, p) => s + p.durationTicks, 0);
  const sampleEvery = Math.max(1, Math.ceil(ticks / MAX_SWEEP_SAMPLES));
  const run = executeScenario(scenario, {
    engine: job.engine,
    sampleEvery,
    file: label,
    ...(job.maxTicks === undefined ? {} : { maxTicks: job.maxTicks }),
  });
  const r = run.result;
  return {
    ...job.config,
    stats: r.stats,
    peak: r.peak,
    meanStackInuse: r.meanStackInuse,
    lifecycles: r.lifecycles,
    operations: r.operations,
    seconds: run.seconds,
    samples: r.samples,
  };
}

/** What a sweep worker posts back for one job. */
export interface WorkerReply {
  result?: SweepResult;
  /** The error message (an InputError's names file and field). */
  error?: string;
  /** True when the error was an InputError. */
  inputError?: boolean;
}

/** The worker's error as this thread's class, with the same message. */
function rebuildError(reply: WorkerReply, file: string): Error {
  if (reply.inputError !== true) return new Error(reply.error);
  const error = new InputError(file, {}, "");
  // The worker's message already names file, field and rule; keep it as is.
  error.message = reply.error ?? "";
  return error;
}

/** Options of runSweep. */
export interface SweepRunOptions {
  workers?: number;
  /** Called as each configuration finishes. */
  onResult?: (result: SweepResult, done: number, total: number) => void;
}

/**
 * Runs configurations on up to `workers` worker threads (in this thread
 * when workers is 1 or when running from TypeScript sources).
 * @returns results in configuration order.
 */
export async function runSweep(jobs: SweepJob[],
  options: SweepRunOptions = {}): Promise<SweepResult[]> {
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), jobs.length));
  const workerUrl = new URL("./sweep-worker.js", import.meta.url);
  const results: SweepResult[] = [];
  let done = 0;
  const finish = (result: SweepResult): void => {
    results.push(result);
    done++;
    options.onResult?.(result, done, jobs.length);
  };
  if (workers === 1 || import.meta.url.endsWith(".ts")) {
    for (const job of jobs) finish(runSweepJob(job));
  } else {
    let next = 0;
    const runWorker = async (): Promise<void> => {
      const worker = new Worker(workerUrl);
      try {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const reply = await new Promise<WorkerReply>((resolve, reject) => {
            worker.once("message", resolve);
            worker.once("error", reject);
            worker.postMessage(job);
          });
          worker.removeAllListeners("error");
          if (reply.error !== undefined) throw rebuildError(reply, job.file);
          finish(reply.result!);
        }
      } finally {
        await worker.terminate();
      }
    };
    await Promise.all(Array.from({ length: workers }, runWorker));
  }
  return results.sort((a, b) => a.index - b.index);
}
