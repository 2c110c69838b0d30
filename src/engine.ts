// createEngine: resolves options and builds the engine they name.

import { resolveConfig } from "./profiles.js";
import { createReferenceEngine } from "./reference/engine.js";
import type { Engine, EngineOptions } from "./types.js";
import { createWasmEngine } from "./wasm/engine.js";

/**
 * Creates a stack lifecycle engine.
 * @param options platform, Go version, GOMAXPROCS, policy and engine kind;
 *   every field has the runtime's default.
 * @returns an Engine; both kinds give identical results.
 * @throws UsageError naming the option that is wrong.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const config = resolveConfig(options);
  return config.engine === "wasm"
    ? createWasmEngine(config, { build: config.wasmBuild })
    : createReferenceEngine(config);
}
