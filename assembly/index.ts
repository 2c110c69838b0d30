// The core's exports: the numbers-only ABI the host adapter
// (src/wasm/engine.ts) calls. Nothing but re-exports lives here.

export { init } from "./init";
export {
  newproc, use, goexit, gc, gcStart, gcFinish, procresize, readMemStats,
  rawStackalloc, rawStackfree, gStack,
} from "./operations";
export { statsAddress } from "./stats";
export { snapshot, scratchAddress } from "./snapshot";
