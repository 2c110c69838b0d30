// Public surface of stacklab: re-exports only.
export * from "./types.js";
export * from "./errors.js";
export {
  resolveConfig, platformProfile, defaultPolicy, PLATFORMS, GO_VERSIONS,
  PAGE_BYTES, ARENA_BASE_ADDRESS,
} from "./profiles.js";
export { createEngine } from "./engine.js";
export { checkSnapshotInvariants } from "./invariants.js";
export type * from "./workload/types.js";
export { validateScenario, parseScenario } from "./workload/scenario.js";
export {
  compileScenario, quantileTable, PhaseWord, PHASE_WORDS, TABLE_ENTRIES,
} from "./workload/compile.js";
export type { CompileOptions } from "./workload/compile.js";
export { runScenario, ScenarioRun } from "./workload/driver.js";
export { loadScenario, listBuiltinScenarios, executeScenario } from "./workload/load.js";
export { applyOp, openTrace, createTraceWriter, replayTrace } from "./trace/trace.js";
export type { TraceSource, TraceWriter, TraceFormat } from "./trace/trace.js";
export { renderRunReport, renderSweepReport } from "./report/html.js";
export { WasmEngine } from "./wasm/engine.js";
export type { BatchOptions, BatchOutcome, BatchResult } from "./wasm/batch.js";
