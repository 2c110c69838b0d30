// Finding and reading scenarios: a path to a JSON file, or the name of a
// built-in scenario shipped in scenarios/. Also runs one scenario end to end
// (engine creation, optional trace recording), which the CLI and the sweep
// workers share.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine } from "../engine.js";
import { InputError } from "../errors.js";
import { createTraceWriter } from "../trace/trace.js";
import type { EngineKind } from "../types.js";
import { compileScenario } from "./compile.js";
import { runScenario } from "./driver.js";
import { validateScenario } from "./scenario.js";
import type { CompiledScenario, RunOptions, RunResult, Scenario } from "./types.js";

/** The directory of built-in scenarios (same depth from src/ and dist/). */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** A built-in scenario's name and one-line purpose. */
export interface BuiltinScenario {
  name: string;
  description: string;
  path: string;
}

/** Every built-in scenario, by name. */
export function listBuiltinScenarios(): BuiltinScenario[] {
  if (!existsSync(BUILTIN_SCENARIO_DIR)) return [];
  return readdirSync(BUILTIN_SCENARIO_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const path = BUILTIN_SCENARIO_DIR + f;
      const json = JSON.parse(readFileSync(path, "utf8")) as { description?: string };
      return { name: f.replace(/\.json$/, ""), description: json.description ?? "", path };
    });
}

/** A scenario file as JSON plus the name used in messages. */
export interface ScenarioSource {
  /** What JSON.parse gave (not yet validated). */
  json: unknown;
  /** The file name for messages. */
  file: string;
}

/**
 * Reads a scenario file, or a built-in scenario by name.
 * @throws InputError when neither exists or the JSON does not parse.
 */
export function readScenarioSource(nameOrPath: string): ScenarioSource {
  let file = nameOrPath;
  if (!existsSync(file)) {
    const builtin = listBuiltinScenarios().find((b) => b.name === nameOrPath);
    if (builtin === undefined) {
      const names = listBuiltinScenarios().map((b) => b.name).join(", ");
      throw new InputError(nameOrPath, {},
        `no such file, and not a built-in scenario (built-ins: ${names})`);
    }
    file = builtin.path;
  }
  const text = readFileSync(file, "utf8");
  try {
    return { json: JSON.parse(text), file };
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position === null ? undefined
      : text.slice(0, Number(position[1])).split("\n").length;
    throw new InputError(file, line === undefined ? {} : { line }, `not valid JSON: ${message}`);
  }
}

/** Reads and validates a scenario by path or built-in name. */
export function loadScenario(nameOrPath: string): { scenario: Scenario; file: string } {
  const source = readScenarioSource(nameOrPath);
  return { scenario: validateScenario(source.json, source.file), file: source.file };
}

/** What executeScenario needs besides the scenario. */
export interface ExecuteOptions extends RunOptions {
  engine: EngineKind;
  /** Cut the scenario to this many ticks. */
  maxTicks?: number;
  /** Record every operation to this trace file (.jsonl or binary). */
  tracePath?: string;
  file?: string;
}

/** A finished run with its wall-clock time. */
export interface Execution {
  compiled: CompiledScenario;
  result: RunResult;
  seconds: number;
}

/** Compiles a scenario, creates the engine, runs it and times the run. */
export function executeScenario(scenario: Scenario, options: ExecuteOptions): Execution {
  const compiled = compileScenario(scenario, {
    ...(options.maxTicks === undefined ? {} : { maxTicks: options.maxTicks }),
    file: options.file ?? scenario.name,
  });
  const engine = createEngine({ ...compiled.engineOptions, engine: options.engine });
  const writer = options.tracePath === undefined ? undefined
    : createTraceWriter(options.tracePath, compiled.engineOptions);
  const onOp = writer === undefined ? options.onOp
    : (op: Parameters<NonNullable<RunOptions["onOp"]>>[0]): void => {
      writer.write(op);
      options.onOp?.(op);
    };
  const started = performance.now();
  try {
    const result = runScenario(engine, compiled, { ...options, ...(onOp ? { onOp } : {}) });
    return { compiled, result, seconds: (performance.now() - started) / 1000 };
  } finally {
    writer?.close();
  }
}
