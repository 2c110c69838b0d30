// The real-runtime half of validation: finds `go`, builds validate/cases,
// lists its cases and runs each one in a fresh process with the
// environment it needs, returning the parsed JSON. The shapes below mirror
// the Go program's output (validate/cases/main.go and catalog.go).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Go module holding the case program. */
export const VALIDATE_DIR = dirname(fileURLToPath(import.meta.url));

/** One G the census saw that is not a case worker (main included). */
export interface GRecord {
  goid: number;
  status: string;
  func: string;
  stackBytes: number;
  usedBytes: number;
}

/** What the census of allgs found at a baseline or checkpoint. */
export interface Census {
  runtime: GRecord[] | null;
  workersByStack: Record<string, number>;
  workerUsed?: { min: number; median: number; max: number };
  deadWithStack: Record<string, number>;
  deadNoStack: number;
  allGs: number;
}

/** A scripted step; spawn steps carry what was measured on the workers. */
export interface Step {
  op: "spawn" | "release" | "gc" | "checkpoint" | "procs";
  group?: string;
  count?: number;
  targetUsedBytes?: number;
  targetPeakBytes?: number;
  name?: string;
  procs?: number;
  parkDepth?: number;
  peakDepth?: number;
  measured?: {
    usedBytes: { min: number; median: number; max: number };
    stackBytes: Record<string, number>;
    parkedWorkers: number;
  };
  /** Spawn numbers in park (spawn steps) or exit (release steps) order. */
  parkOrder?: OrderRun[];
  exitOrder?: OrderRun[];
}

/** [first, length, stride]: first, first + stride, ... (length numbers). */
export type OrderRun = [number, number, number];

/**
 * Expands order runs into worker numbers.
 * @throws Error when the runs are not a permutation of 0..count-1.
 */
export function expandOrder(runs: readonly OrderRun[], count: number): number[] {
  const order: number[] = [];
  for (const [first, length, stride] of runs) {
    for (let k = 0; k < length; k++) order.push(first + k * stride);
  }
  const seen = new Set(order);
  if (order.length !== count || seen.size !== count ||
      order.some((w) => w < 0 || w >= count)) {
    throw new Error(`order runs do not cover workers 0..${count - 1}`);
  }
  return order;
}

export interface RealCheckpoint {
  name: string;
  stackInuseDelta: number;
  threads: number;
  procs: number;
  numGoroutine: number;
  census: Census;
}

/** One case as the real runtime ran it. */
export interface RealCase {
  case: string;
  description: string;
  goVersion: string;
  env: Record<string, string>;
  adaptiveStackStart: boolean;
  frameBytes: number;
  parkBaseUsedBytes: number;
  goroutines: number;
  usedBytesPerGoroutine: number;
  baseline: {
    stackInuse: number;
    settleRounds: number;
    threads: number;
    numGoroutine: number;
    census: Census;
  };
  steps: Step[];
  checkpoints: RealCheckpoint[];
}

/** An entry of `cases -list`. */
export interface CaseListing {
  case: string;
  description: string;
  adaptiveStackStart: boolean;
}

/** Time one case may take before it counts as hung. */
const CASE_TIMEOUT_MS = 60_000;
/** Room for a case's JSON on stdout (the census lists are short). */
const CASE_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * The `go` binary and its version, or why it cannot be used.
 * @returns `{ go, version }` when `go version` runs, else `{ reason }`.
 */
export function findGo(): { go: string; version: string } | { reason: string } {
  const result = spawnSync("go", ["version"], { encoding: "utf8" });
  if (result.error !== undefined) {
    return { reason: `go is not on PATH (${result.error.message})` };
  }
  if (result.status !== 0) {
    return { reason: `go version exited with ${String(result.status)}: ${result.stderr}` };
  }
  return { go: "go", version: result.stdout.trim() };
}

/**
 * Builds validate/cases into a temporary directory.
 * @returns the path of the built program.
 * @throws Error with go build's output when the build fails.
 */
export function buildCases(go: string): string {
  const out = join(mkdtempSync(join(tmpdir(), "stacklab-validate-")), "cases");
  execFileSync(go, ["build", "-o", out, "./cases"], {
    cwd: VALIDATE_DIR, stdio: ["ignore", "pipe", "pipe"],
  });
  return out;
}

/** The case catalogue of a built program. */
export function listCases(program: string): CaseListing[] {
  const text = execFileSync(program, ["-list"], { encoding: "utf8" });
  return JSON.parse(text) as CaseListing[];
}

/**
 * Runs one case with GOMAXPROCS=1, GOGC=off and the adaptive start the
 * case asks for.
 * @throws Error carrying the program's stderr when it fails.
 */
export function runRealCase(program: string, listing: CaseListing): RealCase {
  const adaptive = listing.adaptiveStackStart ? "1" : "0";
  const env = {
    ...process.env,
    GOMAXPROCS: "1",
    GOGC: "off",
    GODEBUG: `adaptivestackstart=${adaptive}`,
  };
  const result = spawnSync(program, ["-case", listing.case], {
    env, encoding: "utf8", timeout: CASE_TIMEOUT_MS, maxBuffer: CASE_OUTPUT_BYTES,
  });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.message ?? `exit ${String(result.status)}`;
    throw new Error(`case ${listing.case} failed (${why}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as RealCase;
}
