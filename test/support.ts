// Test support: the engine kinds and builds every behaviour test runs on,
// and small helpers that keep the tests about rules, not plumbing.

import { StackLabError } from "../src/errors.js";
import { createEngine } from "../src/index.js";
import type { Engine, EngineOptions } from "../src/index.js";

/** Every engine variant a behaviour must hold on. */
export const VARIANTS: { name: string; options: EngineOptions }[] = [
  { name: "ts", options: { engine: "ts" } },
  { name: "wasm release", options: { engine: "wasm", wasmBuild: "release" } },
  { name: "wasm debug", options: { engine: "wasm", wasmBuild: "debug" } },
];

/** An engine of the variant, with invariants checked after every step. */
export function engineFor(variant: { options: EngineOptions }, extra: EngineOptions = {}): Engine {
  return createEngine({ ...variant.options, checkInvariants: true, ...extra });
}

export const KiB = 1024;

/** Runs n goroutines to a use of `bytes` each and returns their ids. */
export function spawn(engine: Engine, n: number, bytes = 0, p = 0): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = engine.newproc(p);
    if (bytes > 0) engine.use(g, bytes);
    ids.push(g);
  }
  return ids;
}

/** What an operation gave: its value, or the code of the StackLabError it raised. */
export type Outcome<T = unknown> = { ok: T } | { code: string };

/** Runs `run`, turning a StackLabError into its code; other errors propagate. */
export function outcomeOf<T>(run: () => T): Outcome<T> {
  try {
    return { ok: run() };
  } catch (error) {
    if (error instanceof StackLabError) return { code: error.code };
    throw error;
  }
}
