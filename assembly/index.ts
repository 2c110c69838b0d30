// The core's exports: the numbers-only ABI the host adapter
// (src/wasm/engine.ts) calls and docs/ABI.md describes. Nothing but
// re-exports lives here.

export { ABI_VERSION, ABLATIONS, CHECKED_BUILD } from "./abi";
export { init } from "./init";
export {
  newproc, use, goexit, gc, gcStart, gcFinish, procresize, readMemStats,
  rawStackalloc, rawStackfree, gStack,
} from "./operations";
export { statsAddress } from "./stats";
export { snapshot, scratchAddress, liveGoroutines } from "./snapshot";
export { batchBuffer, batchRun } from "./batch";
export {
  driverInput, driverStart, driverRun, driverOutAddress, driverSamplesAddress,
} from "./driver";
