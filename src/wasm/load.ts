// Loading the AssemblyScript core: compiles build/<build>.wasm once per
// process and instantiates it through @assemblyscript/loader, which
// supplies env.abort so a failed check of the debug build arrives as an
// Error carrying its message and source position.
// node:fs is looked up only when coreModule reads a file, so a browser
// bundle can import the engine and pass its own compiled module instead.

import * as loader from "@assemblyscript/loader";

/** Which build of the core runs: checks compiled in (debug) or out. */
export type WasmBuild = "release" | "debug";

/** The core's exports as the module declares them (raw, no wrappers). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(fixedStack: number, orders: number, guard: number, limit: number,
    maxStack: number, newGStack: number, cacheBytes: number, spillAt: number,
    keep: number, keepGrown: number, adaptive: number, procs: number,
    limitPages: number): number;
  newproc(p: number): number;
  use(g: number, usedBytes: number): number;
  goexit(g: number): number;
  gc(p: number): number;
  gcStart(p: number): number;
  gcFinish(p: number): number;
  procresize(procs: number): number;
  readMemStats(): number;
  rawStackalloc(sizeBytes: number, p: number): number;
  rawStackfree(page: number, offsetBytes: number, sizeBytes: number, p: number): number;
  gStack(g: number): number;
  statsAddress(): number;
  snapshot(): number;
  scratchAddress(): number;
  liveGoroutines(): number;
  /** The layout version of these exports (docs/ABI.md). */
  ABI_VERSION: WebAssembly.Global;
  /**
   * Parts of the model a measurement-only build leaves out (bit mask,
   * assembly/ablations.ts); 0 in real builds, absent from older cores.
   */
  ABLATIONS?: WebAssembly.Global;
  batchBuffer(records: number): number;
  batchRun(addr: number, count: number, stopOnError: number): number;
  driverInput(phases: number, tables: number, gcTicks: number, resizePairs: number): number;
  driverStart(seed: number, wheelSize: number, procs: number, sampleEvery: number): number;
  driverRun(maxTicks: number, maxOps: number): number;
  driverOutAddress(): number;
  driverSamplesAddress(): number;
}

/** The ABI version this host speaks; a core with another is refused. */
export const CORE_ABI_VERSION = 1;

const URLS: Record<WasmBuild, URL> = {
  release: new URL("../../build/release.wasm", import.meta.url),
  debug: new URL("../../build/debug.wasm", import.meta.url),
};

const compiled = new Map<WasmBuild, WebAssembly.Module>();

/** The compiled core module of a build, compiled on first use. */
export function coreModule(build: WasmBuild): WebAssembly.Module {
  let module = compiled.get(build);
  if (module === undefined) {
    module = new WebAssembly.Module(readCoreFile(URLS[build]));
    compiled.set(build, module);
  }
  return module;
}

/** The bytes of a core file, read with node:fs (Node.js only). */
function readCoreFile(url: URL): Uint8Array<ArrayBuffer> {
  const fs = globalThis.process?.getBuiltinModule?.("node:fs");
  if (fs === undefined) {
    throw new Error("coreModule: no node:fs outside Node.js; " +
      "pass a compiled module as createWasmEngine(config, { module })");
  }
  return fs.readFileSync(url);
}

/** What instantiateCore accepts beyond a real build of the core. */
export interface InstantiateOptions {
  /**
   * Accept a measurement-only core (ABLATIONS not 0), whose counters or
   * behaviour are wrong by design; only bench/headroom.ts asks for this.
   */
  ablated?: boolean;
}

/**
 * A fresh instance of the core: one engine's whole state.
 * @throws Error when the core's ABI_VERSION is not CORE_ABI_VERSION, or
 * when it is a measurement-only build and options.ablated is not set.
 */
export function instantiateCore(module: WebAssembly.Module,
  options: InstantiateOptions = {}): CoreExports {
  const { instance } = loader.instantiateSync(module, {});
  const core = instance.exports as unknown as CoreExports;
  const version: unknown = core.ABI_VERSION?.value;
  if (version !== CORE_ABI_VERSION) {
    throw new Error(`instantiateCore: core ABI version ${String(version)}, ` +
      `expected ${CORE_ABI_VERSION} (rebuild the core or the host)`);
  }
  const ablations: unknown = core.ABLATIONS?.value ?? 0;
  if (ablations !== 0 && options.ablated !== true) {
    throw new Error(`instantiateCore: a measurement-only core (ABLATIONS ${String(ablations)}) ` +
      "leaves parts of the model out and gives wrong numbers; " +
      "pass { ablated: true } only to measure what those parts cost");
  }
  return core;
}
