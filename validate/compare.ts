// Validation as a library: runs every case on the real runtime and on both
// engines, and lines the StackInuse deltas up checkpoint by checkpoint.
// validate/run.ts prints the result; test/validate.test.ts asserts on it.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineKind } from "../src/index.js";
import {
  VALIDATE_DIR, buildCases, findGo, listCases, runRealCase,
} from "./real.js";
import type { CaseListing, RealCase } from "./real.js";
import { simulateCase } from "./simulate.js";

/** A stack pool span: the unit differences are counted in. */
export const SPAN_BYTES = 32 * 1024;
/** A checkpoint passes when every engine is within this many spans. */
export const TOLERANCE_SPANS = 2;
/** The engines every case is replayed on. */
export const ENGINES: readonly EngineKind[] = ["wasm", "ts"];

/** One engine's figure at a checkpoint, or why it has none. */
export type SimFigure =
  | { kind: "ok"; delta: number; diffSpans: number }
  | { kind: "error"; message: string };

export interface ComparisonRow {
  case: string;
  checkpoint: string;
  realDelta: number;
  sim: Record<EngineKind, SimFigure>;
  pass: boolean;
}

export type ValidationOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "ran"; goVersion: string; cases: RealCase[]; rows: ComparisonRow[]; pass: boolean };

export interface ValidationOptions {
  /** Write each case's JSON and the case list to validate/results. */
  writeResults?: boolean;
  /** Run only the cases whose names are listed. */
  only?: readonly string[];
}

/** The results directory: the committed reference data. */
export const RESULTS_DIR = join(VALIDATE_DIR, "results");

/** Indented JSON with each [first, length, stride] order run on one line. */
function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/\[\s+(-?\d+),\s+(-?\d+),\s+(-?\d+)\s+\]/g, "[$1, $2, $3]") + "\n";
}

function writeResults(listing: CaseListing[], cases: RealCase[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, "cases.json"), toJson(listing));
  for (const c of cases) writeFileSync(join(RESULTS_DIR, `${c.case}.json`), toJson(c));
}

/**
 * Replays the committed reference data (validate/results) on both engines;
 * needs no Go toolchain.
 * @throws Error when a results file is missing or unreadable.
 */
export function replayResults(only?: readonly string[]): ComparisonRow[] {
  const listing = JSON.parse(
    readFileSync(join(RESULTS_DIR, "cases.json"), "utf8")) as CaseListing[];
  return listing
    .filter((c) => only === undefined || only.includes(c.case))
    .flatMap((c) => compareCase(JSON.parse(
      readFileSync(join(RESULTS_DIR, `${c.case}.json`), "utf8")) as RealCase));
}

/** Replays one real case on every engine and builds its rows. */
export function compareCase(real: RealCase): ComparisonRow[] {
  const perEngine = new Map<EngineKind, SimFigure[]>();
  for (const kind of ENGINES) {
    try {
      const sim = simulateCase(real, kind);
      perEngine.set(kind, sim.map((cp, i) => {
        const realDelta = real.checkpoints[i]?.stackInuseDelta ?? 0;
        return {
          kind: "ok", delta: cp.stackInuseDelta,
          diffSpans: (cp.stackInuseDelta - realDelta) / SPAN_BYTES,
        };
      }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      perEngine.set(kind, real.checkpoints.map(() => ({ kind: "error", message })));
    }
  }
  return real.checkpoints.map((cp, i) => {
    const sim = {} as Record<EngineKind, SimFigure>;
    let pass = true;
    for (const kind of ENGINES) {
      const fig = perEngine.get(kind)?.[i] ?? { kind: "error", message: "no figure" };
      sim[kind] = fig;
      if (fig.kind === "error" || Math.abs(fig.diffSpans) > TOLERANCE_SPANS) pass = false;
    }
    return { case: real.case, checkpoint: cp.name, realDelta: cp.stackInuseDelta, sim, pass };
  });
}

/**
 * Runs validation: builds and runs every case on the real runtime, then
 * replays each on both engines.
 * @returns "skipped" with the reason when `go` cannot be run, else every
 *   row and whether all passed.
 * @throws Error when the Go program fails to build or a case fails.
 */
export function runValidation(options: ValidationOptions = {}): ValidationOutcome {
  const go = findGo();
  if ("reason" in go) return { kind: "skipped", reason: go.reason };
  const program = buildCases(go.go);
  const listing = listCases(program)
    .filter((c) => options.only === undefined || options.only.includes(c.case));
  const cases = listing.map((c) => runRealCase(program, c));
  if (options.writeResults === true) writeResults(listing, cases);
  const rows = cases.flatMap(compareCase);
  return { kind: "ran", goVersion: go.version, cases, rows, pass: rows.every((r) => r.pass) };
}

function formatBytes(bytes: number): string {
  return bytes.toLocaleString("en-US");
}

function formatFigure(fig: SimFigure): [string, string] {
  if (fig.kind === "error") return ["error", "-"];
  const sign = fig.diffSpans > 0 ? "+" : "";
  return [formatBytes(fig.delta), `${sign}${fig.diffSpans.toFixed(2)}`];
}

/** The side-by-side table as text, one line per checkpoint. */
export function formatTable(rows: readonly ComparisonRow[]): string {
  const header = ["case", "checkpoint", "real", "wasm", "ts", "d wasm", "d ts", ""];
  const lines = rows.map((r) => {
    const [wasm, dWasm] = formatFigure(r.sim.wasm);
    const [ts, dTs] = formatFigure(r.sim.ts);
    return [r.case, r.checkpoint, formatBytes(r.realDelta), wasm, ts, dWasm, dTs,
      r.pass ? "ok" : "FAIL"];
  });
  const all = [header, ...lines];
  const widths = header.map((_, col) => Math.max(...all.map((l) => (l[col] ?? "").length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  return all.map((l) => l.map((cell, col) => {
    const w = widths[col] ?? 0;
    return numeric.has(col) ? cell.padStart(w) : cell.padEnd(w);
  }).join("  ").trimEnd()).join("\n");
}

/** Error messages of engines that failed, one per case and engine. */
export function engineErrors(rows: readonly ComparisonRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) {
    for (const kind of ENGINES) {
      const fig = r.sim[kind];
      if (fig.kind === "error") seen.add(`${r.case} (${kind}): ${fig.message}`);
    }
  }
  return [...seen];
}
