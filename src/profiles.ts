// Platform, Go-version and policy profiles: every constant the engines use,
// derived the way the Go 1.19 runtime derives them (runtime/stack.go,
// runtime/malloc.go). Both engines read their numbers from a resolved
// EngineConfig built here; nothing else in stacklab writes these values.

import { UsageError } from "./errors.js";
import type {
  EngineConfig,
  EngineOptions,
  GoVersion,
  PlatformName,
  PlatformProfile,
  Policy,
} from "./types.js";

/** Bytes in one page of the heap (the runtime's _PageSize, 1 << 13). */
export const PAGE_BYTES = 8192;
/** log2(PAGE_BYTES): the runtime's _PageShift. */
export const PAGE_SHIFT = 13;
/** The runtime's _StackMin: the stack a new goroutine asks for. */
export const STACK_MIN_BYTES = 2048;
/** The runtime's _StackSmall: frames up to this size skip the exact check. */
export const STACK_SMALL_BYTES = 128;
/** The guard space every platform has before adding StackSystem. */
const STACK_GUARD_BASE_BYTES = 928;
/** The runtime's _StackCacheSize: per-order P cache limit and pool span size. */
export const STACK_CACHE_BYTES = 32 * 1024;
/** maxstacksize on 64-bit platforms (runtime/proc.go main). */
const MAX_STACK_BYTES_64 = 1_000_000_000;
/** maxstacksize on 32-bit platforms. */
const MAX_STACK_BYTES_32 = 250_000_000;
/** The runtime's _MaxGomaxprocs. */
export const MAX_PROCS = 1024;
/** Default limit on simulated heap pages: 64 GiB of stack address space. */
export const DEFAULT_HEAP_LIMIT_BYTES = 64 * 1024 * 1024 * 1024;
/** Hard ceiling on the heap limit: addresses are stored as u32 slot numbers. */
export const MAX_HEAP_LIMIT_BYTES = 2 ** 31 * STACK_MIN_BYTES;
/** Where the simulated arena starts; Go's amd64 heap hint is 0xc000000000. */
export const ARENA_BASE_ADDRESS = 0xc0_0000_0000;

/** Smallest power of two >= x (x >= 1). */
export function round2(x: number): number {
  let r = 1;
  while (r < x) r *= 2;
  return r;
}

/** True when x is a positive power of two. */
export function isPowerOfTwo(x: number): boolean {
  return Number.isInteger(x) && x > 0 && Number.isInteger(Math.log2(x));
}

interface PlatformFacts {
  stackSystemBytes: number;
  pointerBytes: 4 | 8;
  /** How many orders the runtime drops from 4 on this OS. */
  numStackOrders: number;
}

// StackSystem = 512 * PtrSize on Windows, 512 on Plan 9, 1024 on iOS/arm64;
// NumStackOrders = 4 - PtrSize/4 on Windows, 3 on Plan 9, 4 elsewhere.
const PLATFORM_FACTS: Record<PlatformName, PlatformFacts> = {
  "linux/amd64": { stackSystemBytes: 0, pointerBytes: 8, numStackOrders: 4 },
  "windows/amd64": { stackSystemBytes: 4096, pointerBytes: 8, numStackOrders: 2 },
  "windows/386": { stackSystemBytes: 2048, pointerBytes: 4, numStackOrders: 3 },
  plan9: { stackSystemBytes: 512, pointerBytes: 8, numStackOrders: 3 },
  "ios/arm64": { stackSystemBytes: 1024, pointerBytes: 8, numStackOrders: 4 },
};

/** Every platform stacklab models, in a stable order. */
export const PLATFORMS = Object.keys(PLATFORM_FACTS) as PlatformName[];
/** Every Go version profile. */
export const GO_VERSIONS: readonly GoVersion[] = ["go1.18", "go1.19"];

/** The constants of one platform, as the runtime computes them. */
export function platformProfile(name: PlatformName): PlatformProfile {
  const facts = PLATFORM_FACTS[name];
  if (facts === undefined) {
    throw new UsageError("createEngine", "badArgument",
      `platform "${String(name)}" is not one of ${PLATFORMS.join(", ")}`);
  }
  const stackGuardBytes = STACK_GUARD_BASE_BYTES + facts.stackSystemBytes;
  return {
    name,
    stackSystemBytes: facts.stackSystemBytes,
    fixedStackBytes: round2(STACK_MIN_BYTES + facts.stackSystemBytes),
    numStackOrders: facts.numStackOrders,
    stackGuardBytes,
    stackLimitBytes: stackGuardBytes - facts.stackSystemBytes - STACK_SMALL_BYTES,
    maxStackBytes: facts.pointerBytes === 8 ? MAX_STACK_BYTES_64 : MAX_STACK_BYTES_32,
    pointerBytes: facts.pointerBytes,
    newGStackBytes: round2(facts.stackSystemBytes + STACK_MIN_BYTES),
  };
}

/** The runtime's own policy values for a platform. */
export function defaultPolicy(platform: PlatformProfile): Policy {
  return {
    stackCacheBytes: STACK_CACHE_BYTES,
    numStackOrders: platform.numStackOrders,
    gfreeSpillAt: 64,
    gfreeKeep: 32,
    keepGrownStackBytes: 0,
  };
}

const POLICY_KEYS: readonly (keyof Policy)[] = [
  "stackCacheBytes", "numStackOrders", "gfreeSpillAt", "gfreeKeep",
  "keepGrownStackBytes",
];
const OPTION_KEYS = new Set([
  "engine", "platform", "goVersion", "adaptiveStackStart", "procs", "policy",
  "heapLimitBytes", "checkInvariants", "wasmBuild",
]);

function fail(field: string, message: string): never {
  throw new UsageError("createEngine", "badArgument", `${field}: ${message}`);
}

function positiveInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    fail(field, `expected an integer in [1, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Fills in defaults and checks every option, so that an engine never starts
 * from a configuration the runtime could not have.
 * @throws UsageError naming the option and the rule it breaks.
 */
export function resolveConfig(options: EngineOptions = {}): EngineConfig {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) fail(key, "unknown option");
  }
  const engine = options.engine ?? "wasm";
  if (engine !== "wasm" && engine !== "ts") {
    fail("engine", `expected "wasm" or "ts", got ${JSON.stringify(engine)}`);
  }
  const platformName = options.platform ?? "linux/amd64";
  if (!(platformName in PLATFORM_FACTS)) {
    fail("platform",
      `expected one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(platformName)}`);
  }
  const platform = platformProfile(platformName);
  const goVersion = options.goVersion ?? "go1.19";
  if (!GO_VERSIONS.includes(goVersion)) {
    fail("goVersion", `expected go1.18 or go1.19, got ${JSON.stringify(goVersion)}`);
  }
  const adaptive = options.adaptiveStackStart ?? goVersion !== "go1.18";
  if (typeof adaptive !== "boolean") fail("adaptiveStackStart", "expected a boolean");
  if (adaptive && goVersion === "go1.18") {
    fail("adaptiveStackStart", "go1.18 has no adaptive stack start");
  }
  const procs = positiveInteger("procs", options.procs ?? 1, MAX_PROCS);
  const heapLimitBytes = positiveInteger("heapLimitBytes",
    options.heapLimitBytes ?? DEFAULT_HEAP_LIMIT_BYTES, MAX_HEAP_LIMIT_BYTES);
  if (heapLimitBytes % PAGE_BYTES !== 0) {
    fail("heapLimitBytes", `must be a multiple of ${PAGE_BYTES}`);
  }

  const policy = defaultPolicy(platform);
  const given = options.policy ?? {};
  if (typeof given !== "object" || given === null) fail("policy", "expected an object");
  for (const [key, value] of Object.entries(given)) {
    if (!POLICY_KEYS.includes(key as keyof Policy)) fail(`policy.${key}`, "unknown policy knob");
    if (value === undefined) continue;
    const max = key === "keepGrownStackBytes" ? platform.maxStackBytes : 1 << 30;
    if (key === "keepGrownStackBytes") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
        fail(`policy.${key}`, `expected an integer in [0, ${max}], got ${JSON.stringify(value)}`);
      }
      policy[key] = value;
    } else {
      policy[key as keyof Policy] = positiveInteger(`policy.${key}`, value, max);
    }
  }
  checkPolicy(policy, platform);
  return {
    engine,
    platform,
    goVersion,
    adaptiveStackStart: adaptive,
    procs,
    policy,
    heapLimitBytes,
    checkInvariants: options.checkInvariants ?? false,
    wasmBuild: checkBuild(options.wasmBuild ?? "release"),
  };
}

function checkBuild(build: unknown): "release" | "debug" {
  if (build !== "release" && build !== "debug") {
    fail("wasmBuild", `expected "release" or "debug", got ${JSON.stringify(build)}`);
  }
  return build;
}

function checkPolicy(policy: Policy, platform: PlatformProfile): void {
  const minCacheBytes = 2 * platform.fixedStackBytes;
  if (!isPowerOfTwo(policy.stackCacheBytes) || policy.stackCacheBytes < minCacheBytes) {
    fail("policy.stackCacheBytes",
      `expected a power of two >= ${2 * platform.fixedStackBytes}, got ${policy.stackCacheBytes}`);
  }
  if (policy.stackCacheBytes % PAGE_BYTES !== 0) {
    fail("policy.stackCacheBytes",
      `must be a whole number of ${PAGE_BYTES}-byte pages, got ${policy.stackCacheBytes}`);
  }
  if (policy.numStackOrders > 8) {
    fail("policy.numStackOrders", `expected at most 8, got ${policy.numStackOrders}`);
  }
  // The first size that is not small must fill whole pages, because large
  // stacks get spans of their own.
  const firstLargeBytes = Math.min(platform.fixedStackBytes * 2 ** policy.numStackOrders,
    policy.stackCacheBytes);
  if (firstLargeBytes < PAGE_BYTES) {
    fail("policy.numStackOrders", `${policy.numStackOrders} orders make ${firstLargeBytes}-byte `
      + `stacks large, and a large stack needs at least one ${PAGE_BYTES}-byte page`);
  }
  if (policy.gfreeKeep >= policy.gfreeSpillAt) {
    fail("policy.gfreeKeep",
      `must be below gfreeSpillAt (${policy.gfreeSpillAt}), got ${policy.gfreeKeep}`);
  }
}

/**
 * The order of a small stack: how many halvings bring it to FixedStack.
 * Only meaningful for sizes that `isSmallStack` accepts.
 */
export function stackOrder(sizeBytes: number, fixedStackBytes: number): number {
  let order = 0;
  for (let n = sizeBytes; n > fixedStackBytes; n /= 2) order++;
  return order;
}

/** Whether a stack of this size comes from the per-order pools. */
export function isSmallStack(sizeBytes: number, config: EngineConfig): boolean {
  const { fixedStackBytes } = config.platform;
  const { numStackOrders, stackCacheBytes } = config.policy;
  return sizeBytes < fixedStackBytes * 2 ** numStackOrders && sizeBytes < stackCacheBytes;
}
