// Public types of stacklab: engine options, the resolved configuration,
// stats, snapshots and the Engine interface both engines implement.
// Everything a caller can name lives here; implementations live elsewhere.

/** A count of bytes. */
export type Bytes = number;
/** A count of 8 KiB heap pages. */
export type Pages = number;
/** A simulated address (bytes). Stacks live at ARENA_BASE_ADDRESS and up. */
export type Address = number;

/** Which implementation runs the model. */
export type EngineKind = "wasm" | "ts";
/** Platforms whose stack constants differ (see SYSTEM.md). */
export type PlatformName =
  | "linux/amd64" | "windows/amd64" | "windows/386" | "plan9" | "ios/arm64";
/** go1.18: start size always FixedStack. go1.19: adaptive start available. */
export type GoVersion = "go1.18" | "go1.19";
/** The runtime's gcphase as far as stacks care. */
export type GcPhase = "off" | "mark" | "marktermination";
/** Where an operation runs: a P index, or without a P (m.p == 0). */
export type PRef = number | "noP";
/** A goroutine's status: live (running or waiting) or dead (on a free list). */
export type GStatus = "live" | "dead";

/** Constants of one platform, as the runtime derives them. */
export interface PlatformProfile {
  name: PlatformName;
  stackSystemBytes: Bytes;
  /** _FixedStack: the smallest stack, round2(2048 + StackSystem). */
  fixedStackBytes: Bytes;
  /** _NumStackOrders of the runtime on this platform. */
  numStackOrders: number;
  /** _StackGuard: 928 + StackSystem. */
  stackGuardBytes: Bytes;
  /** _StackLimit: StackGuard - StackSystem - StackSmall. */
  stackLimitBytes: Bytes;
  /** maxstacksize: a stack that would pass it is a stack overflow. */
  maxStackBytes: Bytes;
  pointerBytes: 4 | 8;
  /** What malg gives a brand-new G: round2(StackSystem + StackMin). */
  newGStackBytes: Bytes;
}

/** Knobs for what-if studies; the defaults are the runtime's values. */
export interface Policy {
  /** _StackCacheSize: P cache limit per order and pool span size (32 KiB). */
  stackCacheBytes: Bytes;
  /** _NumStackOrders: how many small-stack orders have pools and caches. */
  numStackOrders: number;
  /** gfput spills to the global lists when the P's list reaches this (64). */
  gfreeSpillAt: number;
  /** gfput spills while the P holds at least this; gfget refills to it (32). */
  gfreeKeep: number;
  /**
   * gfput keeps a stack that is not the starting size on the dead G when it
   * is at most this many bytes, and gfget reuses it when it is at least the
   * starting size. 0 is the runtime's behaviour (always free);
   * golang/go pull request 80137 proposes 131072.
   */
  keepGrownStackBytes: Bytes;
}

/** Options of createEngine; every field is optional. */
export interface EngineOptions {
  /** Default "wasm". */
  engine?: EngineKind;
  /** Default "linux/amd64". */
  platform?: PlatformName;
  /** Default "go1.19". */
  goVersion?: GoVersion;
  /**
   * Adaptive starting stack size (go1.19 only). Default true on go1.19;
   * false models GODEBUG=adaptivestackstart=0.
   */
  adaptiveStackStart?: boolean;
  /** GOMAXPROCS. Default 1. */
  procs?: number;
  policy?: Partial<Policy>;
  /** Simulated heap size at which allocManual fails. Default 64 GiB. */
  heapLimitBytes?: Bytes;
  /** Run checkInvariants after every operation (slow; for debugging). */
  checkInvariants?: boolean;
  /**
   * Which wasm build runs the core: "release" (default, checks compiled
   * out) or "debug" (internal consistency checks compiled in).
   */
  wasmBuild?: "release" | "debug";
}

/** EngineOptions with every default filled in and checked. */
export interface EngineConfig {
  engine: EngineKind;
  platform: PlatformProfile;
  goVersion: GoVersion;
  adaptiveStackStart: boolean;
  procs: number;
  policy: Policy;
  heapLimitBytes: Bytes;
  checkInvariants: boolean;
  wasmBuild: "release" | "debug";
}

/** A stack: [lo, hi) in simulated addresses. */
export interface Stack {
  lo: Address;
  hi: Address;
}

/**
 * Where stack memory is and what happened to it. Byte fields obey
 * stackInuse = live + deadG + pCache + poolFree + largeCache + raw.
 */
export interface Stats {
  /** runtime.MemStats.StackInuse: bytes in spans allocManual gave stacks. */
  stackInuse: Bytes;
  /** Stacks of live goroutines. */
  liveStackBytes: Bytes;
  /** Stacks kept by dead Gs on free-G lists. */
  deadGStackBytes: Bytes;
  /** Free stacks in per-P stack caches. */
  pCacheBytes: Bytes;
  /** Free stacks on the span free lists of the stack pools. */
  poolFreeBytes: Bytes;
  /** Whole spans in the large-stack cache. */
  largeCacheBytes: Bytes;
  /** Stacks handed out by raw stackalloc calls and not yet freed. */
  rawStackBytes: Bytes;
  /** allocManual calls for stacks. */
  spanAllocs: number;
  /** freeManual calls for stacks. */
  spanFrees: number;
  /** copystack calls made by stack growth. */
  growCopies: number;
  /** copystack calls made by shrinkstack. */
  shrinkCopies: number;
  /** stackcacherefill calls. */
  cacheRefills: number;
  /** stackcacherelease calls. */
  cacheReleases: number;
  /** Dead Gs on all per-P free lists. */
  gfreeLocal: number;
  /** Dead Gs on sched.gFree.stack. */
  gfreeGlobalStack: number;
  /** Dead Gs on sched.gFree.noStack. */
  gfreeGlobalNoStack: number;
  /** Live goroutines. */
  liveGoroutines: number;
  /** startingStackSize now. */
  startingStackSize: Bytes;
  /** Pages of the simulated arena that have been mapped. */
  heapPages: Pages;
  /** GC cycles completed. */
  gcCycles: number;
}

/** The names of the Stats fields, in the order every report uses. */
export const STATS_FIELDS = [
  "stackInuse", "liveStackBytes", "deadGStackBytes", "pCacheBytes",
  "poolFreeBytes", "largeCacheBytes", "rawStackBytes", "spanAllocs",
  "spanFrees", "growCopies", "shrinkCopies", "cacheRefills", "cacheReleases",
  "gfreeLocal", "gfreeGlobalStack", "gfreeGlobalNoStack", "liveGoroutines",
  "startingStackSize", "heapPages", "gcCycles",
] as const satisfies readonly (keyof Stats)[];

/**
 * The parts stackInuse is made of, in the order stacked charts draw them
 * (bottom first), with the label reports give each.
 */
export const STACK_INUSE_PARTS = [
  { field: "liveStackBytes", label: "live G stacks" },
  { field: "deadGStackBytes", label: "dead G stacks" },
  { field: "pCacheBytes", label: "P stack caches" },
  { field: "poolFreeBytes", label: "pool free" },
  { field: "largeCacheBytes", label: "large-stack cache" },
  { field: "rawStackBytes", label: "raw stacks" },
] as const satisfies readonly { field: keyof Stats; label: string }[];

/** Which list a span in manual state is on. */
export type SpanPlace = "stackpool" | "full" | "stackLarge" | "inUse";

/** One span in manual (stack) state. */
export interface SpanSnapshot {
  base: Address;
  pages: Pages;
  /** Order of its stacks for pool spans; -1 for a large-stack span. */
  order: number;
  allocCount: number;
  /** Free stacks in manualFreeList order (pool spans only). */
  freeStacks: Address[];
  place: SpanPlace;
}

/** One G (a goroutine, live or parked on a free list). */
export interface GSnapshot {
  /** Index in allgs: Gs are numbered from 0 as malg creates them. */
  index: number;
  /** Goroutine id of its current or last life, from 1 in newproc order. */
  goid: number;
  status: GStatus;
  /** The P the goroutine runs on (live) or last ran on (dead). */
  p: number;
  /** Its stack; both 0 when it has none. */
  lo: Address;
  hi: Address;
  /** Bytes of its stack in use (hi - sp); 0 when dead. */
  usedBytes: Bytes;
}

/** Full state, every list in order, for differential tests and debugging. */
export interface Snapshot {
  gcPhase: GcPhase;
  startingStackSize: Bytes;
  /** Mapped arena size and its free runs, lowest address first. */
  heap: { arenaBase: Address; pages: Pages; freeRuns: { base: Address; pages: Pages }[] };
  /** Every span in manual state, by base address. */
  spans: SpanSnapshot[];
  /** stackpool[order]: span bases in list order. */
  stackpool: Address[][];
  /** stackLarge.free[log2 pages]: span bases in list order. */
  stackLarge: Address[][];
  procs: {
    /** stackcache[order]: bytes and free stacks, list order. */
    stackcache: { bytes: Bytes; stacks: Address[] }[];
    /** G indices on the P's free list, top first. */
    gFree: number[];
  }[];
  /** G indices on sched.gFree.stack and .noStack, head first. */
  gFreeStack: number[];
  gFreeNoStack: number[];
  /** Every G, by index. */
  gs: GSnapshot[];
  /** Stacks from raw stackalloc that are still out, by address. */
  rawStacks: Stack[];
  stats: Stats;
}

/**
 * A stack lifecycle engine. Every operation either completes or throws a
 * StackLabError and leaves the state exactly as it was.
 */
export interface Engine {
  readonly config: EngineConfig;
  /** newproc on P p: gfget, else malg. @returns the new goroutine's id. */
  newproc(p: number): number;
  /** Sets goroutine g's stack use to `bytes`, growing its stack as needed. */
  use(g: number, bytes: Bytes): void;
  /** The goroutine exits on its P: gdestroy + gfput. */
  goexit(g: number): void;
  /** A whole GC cycle; its frees and copies run on P `p` (default 0). */
  gc(p?: number): void;
  /** Starts a GC cycle: phase mark, free global stacks, scan and shrink. */
  gcStart(p?: number): void;
  /** Ends the cycle started by gcStart. */
  gcFinish(p?: number): void;
  /** Changes GOMAXPROCS. */
  procresize(procs: number): void;
  /** What runtime.ReadMemStats does to stacks: flush every P's cache. */
  readMemStats(): Stats;
  /** Raw stackalloc of `bytes` on P p or without a P. */
  stackalloc(bytes: Bytes, p: PRef): Stack;
  /** Raw stackfree of a stack from stackalloc. */
  stackfree(stack: Stack, p: PRef): void;
  stats(): Stats;
  snapshot(): Snapshot;
  /** @throws InvariantError naming the first broken rule. */
  checkInvariants(): void;
}
