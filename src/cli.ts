// The stacklab command line: run, replay, compare, sweep, merge, scenarios.
// This is the only place that writes to the console. Errors print one line
// naming file, line and field, and exit non-zero without a stack trace.

import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import cliProgress from "cli-progress";
import { createEngine } from "./engine.js";
import { startExplorer } from "./explore.js";
import { InputError, StackLabError } from "./errors.js";
import { formatBytes, renderRunReport, renderSweepReport } from "./report/html.js";
import { openTrace, replayTrace } from "./trace/trace.js";
import { STATS_FIELDS } from "./types.js";
import type { EngineKind, Stats } from "./types.js";
import { executeScenario, listBuiltinScenarios, loadScenario, readScenarioSource }
  from "./workload/load.js";
import type { Execution } from "./workload/load.js";
import {
  configLabel, expandGrid, parseSetArgument, runSweep,
} from "./workload/sweep.js";
import type { SweepAxis, SweepOutput, SweepResult } from "./workload/sweep.js";

/** Runs longer than this get a progress bar (on a TTY, without --json). */
const PROGRESS_AFTER_MS = 1000;
/** Samples a report aims for. */
const REPORT_SAMPLES = 500;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError("expected an integer >= 1");
  }
  return n;
}

function engineOption(): Option {
  return new Option("--engine <kind>", "engine that runs the model")
    .choices(["wasm", "ts"]).default("wasm");
}

/** A progress bar that appears only on a TTY, once the work passed 1 s. */
class LazyProgress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(private readonly label: string, quiet: boolean) {
    this.enabled = !quiet && process.stderr.isTTY === true;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    if (this.bar === undefined) {
      if (performance.now() - this.started < PROGRESS_AFTER_MS) return;
      this.bar = new cliProgress.SingleBar({
        format: `${this.label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
        stream: process.stderr,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, done);
    }
    this.bar.update(done);
  }

  stop(): void {
    this.bar?.stop();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) =>
    (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")).join("\n");
}

const BYTE_FIELDS = new Set<keyof Stats>([
  "stackInuse", "liveStackBytes", "deadGStackBytes", "pCacheBytes", "poolFreeBytes",
  "largeCacheBytes", "rawStackBytes", "startingStackSize",
]);

function statCell(field: keyof Stats, value: number): string {
  return BYTE_FIELDS.has(field) ? formatBytes(value) : value.toLocaleString("en-US");
}

function statsTable(columns: { label: string; stats: Stats }[]): string {
  return table([
    ["", ...columns.map((c) => c.label)],
    ...STATS_FIELDS.map((f) => [f, ...columns.map((c) => statCell(f, c.stats[f]))]),
  ]);
}

function runSummary(name: string, engine: EngineKind, run: Execution): string {
  const r = run.result;
  const rate = run.seconds > 0 ? Math.round(r.lifecycles / run.seconds) : 0;
  return [
    `scenario ${name} on the ${engine} engine: ${r.ticks.toLocaleString("en-US")} ticks, `
      + `${r.lifecycles.toLocaleString("en-US")} lifecycles, `
      + `${r.operations.toLocaleString("en-US")} operations in ${run.seconds.toFixed(2)} s `
      + `(${rate.toLocaleString("en-US")} lifecycles/s)`,
    `StackInuse peak ${formatBytes(r.peak.stackInuse)} at tick ${r.peak.tick}, `
      + `mean ${formatBytes(Math.round(r.meanStackInuse))}`,
    "",
    statsTable([{ label: "at end", stats: r.stats }, { label: "at peak", stats: r.peak }]),
  ].join("\n");
}

interface RunFlags {
  engine: EngineKind;
  json?: boolean;
  report?: string;
  trace?: string;
  sampleEvery?: number;
  ticks?: number;
}

function commandRun(target: string, flags: RunFlags): void {
  const { scenario, file } = loadScenario(target);
  const totalTicks = flags.ticks ?? scenario.phases.reduce((s, p) => s + p.durationTicks, 0);
  const sampleEvery = flags.sampleEvery
    ?? (flags.report !== undefined ? Math.max(1, Math.ceil(totalTicks / REPORT_SAMPLES)) : 0);
  const progress = new LazyProgress(scenario.name, flags.json === true);
  let run: Execution;
  try {
    run = executeScenario(scenario, {
      engine: flags.engine, file, sampleEvery,
      onTick: (done, total) => progress.update(done, total),
      ...(flags.ticks === undefined ? {} : { maxTicks: flags.ticks }),
      ...(flags.trace === undefined ? {} : { tracePath: flags.trace }),
    });
  } finally {
    progress.stop();
  }
  const r = run.result;
  if (flags.report !== undefined) {
    writeFileSync(flags.report, renderRunReport({
      title: `stacklab: ${scenario.name}`, scenario: scenario.name, engine: flags.engine,
      samples: r.samples, stats: r.stats, peak: r.peak, meanStackInuse: r.meanStackInuse,
      lifecycles: r.lifecycles, operations: r.operations, seconds: run.seconds,
    }));
  }
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({
      scenario: scenario.name, engine: flags.engine, stats: r.stats, peak: r.peak,
      meanStackInuse: r.meanStackInuse, lifecycles: r.lifecycles, exits: r.exits,
      operations: r.operations, ticks: r.ticks, seconds: run.seconds,
      ...(flags.sampleEvery !== undefined ? { samples: r.samples } : {}),
    })}\n`);
    return;
  }
  process.stdout.write(`${runSummary(scenario.name, flags.engine, run)}\n`);
  if (flags.trace !== undefined) process.stdout.write(`trace written to ${flags.trace}\n`);
  if (flags.report !== undefined) process.stdout.write(`report written to ${flags.report}\n`);
}

/** Writes to stdout, waiting when the pipe is full. */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
  }
}

async function commandReplay(file: string, flags: { engine: EngineKind; json?: boolean }):
  Promise<void> {
  const source = await openTrace(file);
  const engine = createEngine({ ...source.engineOptions, engine: flags.engine });
  const progress = new LazyProgress("replay", flags.json === true);
  const started = performance.now();
  let pending: string[] = [];
  const json = flags.json === true;
  let operations: number;
  try {
    operations = await replayTrace(source, engine, file, {
      onOpStats: json ? async (_op, stats) => {
        pending.push(JSON.stringify(stats));
        if (pending.length >= 1024) {
          await writeOut(`${pending.join("\n")}\n`);
          pending = [];
        }
      } : undefined,
      onProgress: json ? undefined : (count) => progress.update(count, count * 2),
    });
  } finally {
    progress.stop();
  }
  if (pending.length > 0) await writeOut(`${pending.join("\n")}\n`);
  if (flags.json === true) return;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`replayed ${operations.toLocaleString("en-US")} operations from ${file} `
    + `(${source.format}) on the ${flags.engine} engine in ${seconds.toFixed(2)} s\n\n`
    + `${statsTable([{ label: "at end", stats: engine.stats() }])}\n`);
}

function firstDifference(a: unknown, b: unknown, path = ""): string {
  if (isDeepStrictEqual(a, b)) return "";
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const d = firstDifference((a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key], path === "" ? key : `${path}.${key}`);
      if (d !== "") return d;
    }
  }
  return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function commandCompare(target: string, flags: { json?: boolean; ticks?: number;
  sampleEvery?: number }): void {
  const { scenario, file } = loadScenario(target);
  const totalTicks = flags.ticks ?? scenario.phases.reduce((s, p) => s + p.durationTicks, 0);
  const sampleEvery = flags.sampleEvery ?? Math.max(1, Math.ceil(totalTicks / REPORT_SAMPLES));
  const runs = (["wasm", "ts"] as const).map((engine) => {
    const progress = new LazyProgress(`${scenario.name} (${engine})`, flags.json === true);
    try {
      return executeScenario(scenario, {
        engine, file, sampleEvery, onTick: (d, t) => progress.update(d, t),
        ...(flags.ticks === undefined ? {} : { maxTicks: flags.ticks }),
      });
    } finally {
      progress.stop();
    }
  });
  const [wasm, ts] = runs as [Execution, Execution];
  const strip = (e: Execution): unknown => ({
    stats: e.result.stats, peak: e.result.peak, samples: e.result.samples,
    lifecycles: e.result.lifecycles, operations: e.result.operations,
  });
  const difference = firstDifference(strip(wasm), strip(ts));
  const ratio = wasm.seconds > 0 ? ts.seconds / wasm.seconds : 0;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({
      scenario: scenario.name, identical: difference === "", difference: difference || undefined,
      seconds: { wasm: wasm.seconds, ts: ts.seconds }, speedRatio: ratio,
      lifecycles: wasm.result.lifecycles, operations: wasm.result.operations,
      stats: wasm.result.stats,
    })}\n`);
  } else {
    process.stdout.write([
      `scenario ${scenario.name}: ${wasm.result.lifecycles.toLocaleString("en-US")} lifecycles, `
        + `${wasm.result.operations.toLocaleString("en-US")} operations, `
        + `${wasm.result.samples.length} samples compared`,
      `wasm ${wasm.seconds.toFixed(2)} s, ts ${ts.seconds.toFixed(2)} s: `
        + `wasm is ${ratio.toFixed(2)}x the speed of ts`,
      difference === "" ? "results identical (stats, peak and every sample)"
        : `RESULTS DIFFER at ${difference}`,
    ].join("\n") + "\n");
  }
  if (difference !== "") process.exitCode = 1;
}

function sweepTable(results: SweepResult[]): string {
  return table([
    ["configuration", "StackInuse peak", "StackInuse mean", "grow copies", "shrink copies",
      "span allocs", "span frees", "seconds"],
    ...results.map((r) => [
      configLabel(r.settings), formatBytes(r.peak.stackInuse),
      formatBytes(Math.round(r.meanStackInuse)), r.stats.growCopies.toLocaleString("en-US"),
      r.stats.shrinkCopies.toLocaleString("en-US"), r.stats.spanAllocs.toLocaleString("en-US"),
      r.stats.spanFrees.toLocaleString("en-US"), r.seconds.toFixed(2),
    ]),
  ]);
}

function writeSweepReport(path: string, output: SweepOutput): void {
  writeFileSync(path, renderSweepReport(`stacklab sweep: ${output.scenario}`,
    output.results.map((r) => ({ ...r, label: configLabel(r.settings) }))));
}

interface SweepFlags {
  set: string[];
  engine: EngineKind;
  workers?: number;
  shard?: string;
  out?: string;
  report?: string;
  json?: boolean;
  ticks?: number;
}

function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count) {
    throw new InputError(`--shard ${text}`, {}, "expected I/N with 1 <= I <= N, for example 2/4");
  }
  return { index, count };
}

async function commandSweep(target: string, flags: SweepFlags): Promise<void> {
  const source = readScenarioSource(target);
  const scenarioName = loadScenario(target).scenario.name;
  const axes: SweepAxis[] = flags.set.map(parseSetArgument);
  const shard = parseShard(flags.shard);
  const grid = expandGrid(axes);
  const mine = grid.filter((c) => c.index % shard.count === shard.index - 1);
  const progress = new LazyProgress("sweep", flags.json === true);
  let results: SweepResult[];
  try {
    results = await runSweep(mine.map((config) => ({
      json: source.json, file: source.file, config, engine: flags.engine,
      ...(flags.ticks === undefined ? {} : { maxTicks: flags.ticks }),
    })), {
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      onResult: (_r, done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  const output: SweepOutput = {
    kind: "stacklab-sweep", formatVersion: 1, scenario: scenarioName, engine: flags.engine,
    axes, totalConfigs: grid.length, shard, results,
  };
  if (flags.out !== undefined) writeFileSync(flags.out, `${JSON.stringify(output)}\n`);
  if (flags.report !== undefined) writeSweepReport(flags.report, output);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return;
  }
  process.stdout.write(`sweep of ${scenarioName}: ${results.length} of ${grid.length} `
    + `configurations (shard ${shard.index}/${shard.count})\n\n${sweepTable(results)}\n`);
  if (flags.out !== undefined) process.stdout.write(`results written to ${flags.out}\n`);
  if (flags.report !== undefined) process.stdout.write(`report written to ${flags.report}\n`);
}

function readPart(path: string): SweepOutput {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(path, {}, `not a sweep part file: ${(error as Error).message}`);
  }
  const part = value as Partial<SweepOutput>;
  if (part.kind !== "stacklab-sweep") {
    throw new InputError(path, { field: "kind" },
      "not a sweep part file (written by sweep --out)");
  }
  if (part.formatVersion !== 1) {
    throw new InputError(path, { field: "formatVersion" },
      `part file format ${String(part.formatVersion)} is not supported (expected 1)`);
  }
  return part as SweepOutput;
}

function commandMerge(files: string[], flags: { report?: string; json?: boolean;
  out?: string }): void {
  const parts = files.map((f) => ({ file: f, part: readPart(f) }));
  const first = parts[0]!.part;
  const byIndex = new Map<number, SweepResult>();
  for (const { file, part } of parts) {
    if (part.scenario !== first.scenario || !isDeepStrictEqual(part.axes, first.axes)) {
      throw new InputError(file, { field: "axes" },
        `belongs to another sweep (${part.scenario}) than ${files[0]} (${first.scenario})`);
    }
    for (const r of part.results) {
      if (byIndex.has(r.index)) {
        throw new InputError(file, { field: "results" },
          `configuration ${r.index} (${configLabel(r.settings)}) appears twice`);
      }
      byIndex.set(r.index, r);
    }
  }
  const results = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const missing = first.totalConfigs - results.length;
  const output: SweepOutput = { ...first, shard: { index: 1, count: 1 }, results };
  if (flags.out !== undefined) writeFileSync(flags.out, `${JSON.stringify(output)}\n`);
  if (flags.report !== undefined) writeSweepReport(flags.report, output);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } else {
    process.stdout.write(`merged ${parts.length} part files: ${results.length} of `
      + `${first.totalConfigs} configurations of ${first.scenario}\n\n${sweepTable(results)}\n`);
  }
  if (missing > 0) {
    process.stderr.write(`stacklab: ${missing} configuration(s) missing; merge all shards\n`);
    process.exitCode = 1;
  }
}

function commandScenarios(): void {
  const list = listBuiltinScenarios();
  const width = Math.max(...list.map((b) => b.name.length));
  process.stdout.write(list.map((b) => `${b.name.padEnd(width)}  ${b.description}\n`).join(""));
}

/** Port `stacklab explore` listens on unless told otherwise. */
const DEFAULT_EXPLORER_PORT = 8177;

async function commandExplore(flags: { port: number }): Promise<void> {
  const server = await startExplorer({ port: flags.port, host: "127.0.0.1" });
  process.stdout.write(`stacklab explorer: ${server.url}\n(Ctrl-C stops it)\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

/** Builds the commander program (exported for tests and embedding). */
export function buildProgram(): Command {
  const program = new Command("stacklab")
    .description("Simulates the Go runtime's goroutine stack lifecycle.")
    .showHelpAfterError()
    .addHelpText("after", examples([
      "stacklab scenarios", "stacklab run default", "stacklab compare rpc-churn --ticks 200",
    ]));

  program.command("run")
    .description("run a scenario file or built-in scenario and summarise where stack memory sits")
    .argument("<scenario>", "a scenario JSON file or a built-in name (see `stacklab scenarios`)")
    .addOption(engineOption())
    .option("--json", "print one JSON object (stats, peak, lifecycles, operations, seconds)")
    .option("--report <file.html>", "write a self-contained HTML report")
    .option("--trace <file>", "record every operation (.jsonl: op script; else binary)")
    .option("--sample-every <ticks>", "take a stats sample every N ticks", positiveInt)
    .option("--ticks <n>", "cut the scenario after N ticks", positiveInt)
    .addHelpText("after", examples([
      "stacklab run default",
      "stacklab run rpc-churn --engine ts --json",
      "stacklab run my-service.json --report out.html --trace run.sltrace",
    ]))
    .action((target: string, flags: RunFlags) => commandRun(target, flags));

  program.command("replay")
    .description("replay a trace (JSON-lines op script or binary) on an engine")
    .argument("<trace>", "a .jsonl op script or a binary trace")
    .addOption(engineOption())
    .option("--json", "print one JSON stats line after every operation")
    .addHelpText("after", examples([
      "stacklab replay run.sltrace", "stacklab replay ops.jsonl --engine ts --json",
    ]))
    .action((file: string, flags: { engine: EngineKind; json?: boolean }) =>
      commandReplay(file, flags));

  program.command("compare")
    .description("run a scenario on both engines, check identical results, print the speed ratio")
    .argument("<scenario>", "a scenario JSON file or a built-in name")
    .option("--json", "print one JSON object")
    .option("--ticks <n>", "cut the scenario after N ticks", positiveInt)
    .option("--sample-every <ticks>", "compare samples every N ticks", positiveInt)
    .addHelpText("after", examples(["stacklab compare default",
      "stacklab compare fan-out --ticks 300"]))
    .action((target: string, flags: { json?: boolean; ticks?: number; sampleEvery?: number }) =>
      commandCompare(target, flags));

  program.command("sweep")
    .description("run a grid of scenario variants in parallel and tabulate them")
    .argument("<scenario>", "a scenario JSON file or a built-in name")
    .requiredOption("--set <key=v1,v2>", "a swept key: seed, procs, platform, goVersion, "
      + "adaptiveStackStart, heapLimitBytes or policy.<knob> (repeatable)",
    (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(engineOption())
    .option("--workers <n>", "worker threads (default: CPU count)", positiveInt)
    .option("--shard <i/n>", "run only shard I of N (1-based), with --out")
    .option("--out <part.json>", "write the results as a part file for `stacklab merge`")
    .option("--report <file.html>", "write an HTML report comparing the configurations")
    .option("--json", "print the results as one JSON object")
    .option("--ticks <n>", "cut the scenario after N ticks", positiveInt)
    .addHelpText("after", examples([
      "stacklab sweep rpc-churn --set policy.keepGrownStackBytes=0,131072 --set procs=1,8",
      "stacklab sweep default --set seed=1,2,3 --shard 1/2 --out part1.json",
    ]))
    .action((target: string, flags: SweepFlags) => commandSweep(target, flags));

  program.command("merge")
    .description("merge sweep part files written by `sweep --shard I/N --out`")
    .argument("<parts...>", "part files")
    .option("--report <file.html>", "write an HTML report comparing the configurations")
    .option("--out <merged.json>", "write the merged results")
    .option("--json", "print the merged results as one JSON object")
    .addHelpText("after", examples(["stacklab merge part1.json part2.json --report sweep.html"]))
    .action((files: string[], flags: { report?: string; json?: boolean; out?: string }) =>
      commandMerge(files, flags));

  program.command("scenarios")
    .description("list the built-in scenarios with their purpose")
    .addHelpText("after", examples(["stacklab scenarios", "stacklab run fan-out"]))
    .action(() => commandScenarios());

  program.command("explore")
    .description("serve the visual explorer on 127.0.0.1 and print its URL")
    .option("--port <n>", "port to listen on (0: any free port)",
      (v: string) => (v === "0" ? 0 : positiveInt(v)), DEFAULT_EXPLORER_PORT)
    .addHelpText("after", examples(["stacklab explore", "stacklab explore --port 9000"]))
    .action((flags: { port: number }) => commandExplore(flags));

  return program;
}

/** Entry point: parses argv, runs the command, reports errors in one line. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stacklab: ${message}\n`);
    if (process.env.STACKLAB_DEBUG === "1" && error instanceof Error) {
      process.stderr.write(`${error.stack ?? ""}\n`);
    }
    process.exitCode = error instanceof StackLabError ? 1 : 2;
  }
}
