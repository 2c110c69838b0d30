// Public surface of stacklab: re-exports only.
export * from "./types.js";
export * from "./errors.js";
export {
  resolveConfig, platformProfile, defaultPolicy, PLATFORMS, GO_VERSIONS,
  PAGE_BYTES, ARENA_BASE_ADDRESS,
} from "./profiles.js";
export { createEngine } from "./engine.js";
export { checkSnapshotInvariants } from "./invariants.js";
