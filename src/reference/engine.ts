// The reference engine: an idiomatic TypeScript model of Go's goroutine
// stack lifecycle, written to be read. It is the oracle the wasm core is
// checked against (docs/MODEL.md is the contract both follow). This file
// holds the goroutine operations, copystack, the GC cycle and procresize;
// stack memory is stacks.ts, free-G lists gfree.ts, the heap heap.ts.

import { runtimeThrow } from "../errors.js";
import { round2 } from "../profiles.js";
import { checkSnapshotInvariants } from "../invariants.js";
import type {
  Address, Engine, EngineConfig, GSnapshot, PRef, Snapshot, SpanSnapshot,
  Stack, Stats,
} from "../types.js";
import { checkOperand, checkP, checkProcs, checkStackSize } from "../validate.js";
import { FreeGLists, G } from "./gfree.js";
import { StackMemory } from "./stacks.js";

/** Creates the reference engine for a resolved configuration. */
export function createReferenceEngine(config: EngineConfig): Engine {
  return new ReferenceEngine(config);
}

class ReferenceEngine implements Engine {
  private readonly mem: StackMemory;
  private readonly gfree: FreeGLists;
  private readonly allgs: G[] = [];
  /** Live goroutines by goroutine id. */
  private readonly live = new Map<number, G>();
  /** Stacks out from raw stackalloc: address to size in bytes. */
  private readonly raw = new Map<Address, number>();
  private procs: number;
  private nextGoid = 1;
  private startingStackSize: number;
  private scannedStackBytes = 0;
  private scannedStacks = 0;
  private liveStackBytes = 0;
  private deadGStackBytes = 0;
  private rawStackBytes = 0;
  private growCopies = 0;
  private shrinkCopies = 0;
  private gcCycles = 0;

  constructor(readonly config: EngineConfig) {
    this.mem = new StackMemory(config);
    this.gfree = new FreeGLists(config.procs, config.policy.gfreeSpillAt,
      config.policy.gfreeKeep);
    this.procs = config.procs;
    this.startingStackSize = config.platform.fixedStackBytes;
  }

  newproc(p: number): number {
    checkP("newproc", p, this.procs, false);
    const worst = Math.max(this.startingStackSize, this.config.platform.newGStackBytes);
    this.checkHeadroom("newproc", this.mem.worstCasePages(worst));

    let g = this.gfget(p);
    if (g === undefined) {
      // malg: a brand-new G always starts at round2(StackSystem + StackMin).
      g = new G(this.allgs.length);
      this.allgs.push(g);
      this.setStack(g, this.mem.stackalloc(this.config.platform.newGStackBytes, p),
        this.config.platform.newGStackBytes);
    }
    g.status = "live";
    g.p = p;
    g.usedBytes = 0;
    g.goid = this.nextGoid++;
    this.liveStackBytes += g.stackBytes;
    this.live.set(g.goid, g);
    return this.after(g.goid);
  }

  use(goid: number, bytes: number): void {
    const g = this.liveG("use", goid);
    checkOperand("use", "bytes", bytes);
    const sizes = this.growthChain(g.stackBytes, bytes);
    this.checkHeadroom("use", sizes.reduce((sum, s) => sum + this.mem.worstCasePages(s), 0));

    g.usedBytes = bytes;
    for (const newSize of sizes) {
      this.copystack(g, newSize, g.p);
      this.growCopies++;
    }
    this.after(undefined);
  }

  goexit(goid: number): void {
    const g = this.liveG("goexit", goid);
    this.live.delete(goid);
    this.liveStackBytes -= g.stackBytes;
    g.status = "dead";
    g.usedBytes = 0;
    this.gfput(g.p, g);
    this.after(undefined);
  }

  gc(p = 0): void {
    this.gcStart(p);
    this.gcFinish(p);
  }

  gcStart(p = 0): void {
    checkP("gcStart", p, this.procs, false);
    if (this.mem.gcPhase !== "off") {
      throw runtimeThrow("gcStart", "badPhase", `phase is ${this.mem.gcPhase}, expected off`);
    }
    const shrinking = this.allgs.filter((g) => g.status === "live" && this.shouldShrink(g));
    this.checkHeadroom("gcStart", shrinking.reduce(
      (sum, g) => sum + this.mem.worstCasePages(g.stackBytes / 2), 0));

    this.mem.gcPhase = "mark";
    this.markrootFreeGStacks(p);
    for (const g of this.allgs) {
      if (g.status !== "live") continue;
      this.scannedStackBytes += g.usedBytes;
      this.scannedStacks++;
      if (this.shouldShrink(g)) {
        this.copystack(g, g.stackBytes / 2, p);
        this.shrinkCopies++;
      }
    }
    this.after(undefined);
  }

  gcFinish(p = 0): void {
    checkP("gcFinish", p, this.procs, false);
    if (this.mem.gcPhase !== "mark") {
      throw runtimeThrow("gcFinish", "badPhase", `phase is ${this.mem.gcPhase}, expected mark`);
    }
    // gcMarkDone sizes new stacks while the phase is still mark.
    if (this.config.adaptiveStackStart) this.gcComputeStartingStackSize();
    this.scannedStackBytes = 0;
    this.scannedStacks = 0;
    // Mark termination runs no stack operation here, so the phase goes
    // straight to off.
    this.mem.gcPhase = "off";
    this.mem.freeStackSpans();
    for (let i = 0; i < this.procs; i++) this.mem.stackcacheClear(i);
    this.gcCycles++;
    this.after(undefined);
  }

  procresize(procs: number): void {
    checkProcs("procresize", procs);
    for (let i = procs; i < this.procs; i++) {
      this.gfree.purge(i);
      this.mem.stackcacheClear(i);
    }
    this.gfree.resize(procs);
    this.mem.resizeCaches(procs);
    // Limitation: goroutines of a removed P move to P (index mod n) rather
    // than to the global run queue, so which P's cache their later growth
    // and exit use is a fixed rule, not the scheduler's choice. Dead Gs get
    // the same P number, which only names the P they last ran on.
    for (const g of this.allgs) if (g.p >= procs) g.p %= procs;
    this.procs = procs;
    this.after(undefined);
  }

  readMemStats(): Stats {
    for (let i = 0; i < this.procs; i++) this.mem.stackcacheClear(i);
    this.after(undefined);
    return this.stats();
  }

  stackalloc(bytes: number, p: PRef): Stack {
    checkStackSize("stackalloc", bytes, this.config);
    checkP("stackalloc", p, this.procs, true);
    this.checkHeadroom("stackalloc", this.mem.worstCasePages(bytes));
    const lo = this.mem.stackalloc(bytes, p);
    this.raw.set(lo, bytes);
    this.rawStackBytes += bytes;
    this.after(undefined);
    return { lo, hi: lo + bytes };
  }

  stackfree(stack: Stack, p: PRef): void {
    const bytes = checkStackSize("stackfree", stack, this.config);
    checkP("stackfree", p, this.procs, true);
    const rawBytes = this.raw.get(stack.lo);
    if (rawBytes === undefined || rawBytes !== bytes) this.rejectFree(stack, rawBytes);
    this.raw.delete(stack.lo);
    this.rawStackBytes -= bytes;
    this.mem.stackfree(stack.lo, bytes, p);
    this.after(undefined);
  }

  stats(): Stats {
    const mem = this.mem;
    return {
      stackInuse: mem.heap.inUsePages * 8192,
      liveStackBytes: this.liveStackBytes,
      deadGStackBytes: this.deadGStackBytes,
      pCacheBytes: mem.pCacheBytes,
      poolFreeBytes: mem.poolFreeBytes,
      largeCacheBytes: mem.largeCacheBytes,
      rawStackBytes: this.rawStackBytes,
      spanAllocs: mem.heap.spanAllocs,
      spanFrees: mem.heap.spanFrees,
      growCopies: this.growCopies,
      shrinkCopies: this.shrinkCopies,
      cacheRefills: mem.cacheRefills,
      cacheReleases: mem.cacheReleases,
      gfreeLocal: this.gfree.localCount(),
      gfreeGlobalStack: this.gfree.globalStack.length,
      gfreeGlobalNoStack: this.gfree.globalNoStack.length,
      liveGoroutines: this.live.size,
      startingStackSize: this.startingStackSize,
      heapPages: mem.heap.mappedPages,
      gcCycles: this.gcCycles,
    };
  }

  snapshot(): Snapshot {
    const mem = this.mem;
    const headFirst = <T>(list: readonly T[]): T[] => [...list].reverse();
    const bases = (list: Iterable<{ base: Address }>): Address[] => [...list].map((s) => s.base);
    const spans: SpanSnapshot[] = mem.heap.spans().map((s) => ({
      base: s.base,
      pages: s.pages,
      order: s.order,
      allocCount: s.allocCount,
      freeStacks: headFirst(s.freeStacks),
      place: s.place,
    }));
    const gs: GSnapshot[] = this.allgs.map((g) => ({
      index: g.index, goid: g.goid, status: g.status, p: g.p,
      lo: g.lo, hi: g.hi, usedBytes: g.usedBytes,
    }));
    return {
      gcPhase: mem.gcPhase,
      startingStackSize: this.startingStackSize,
      heap: {
        arenaBase: mem.heap.arenaBase,
        pages: mem.heap.mappedPages,
        freeRuns: mem.heap.freeRunsSnapshot(),
      },
      spans,
      stackpool: mem.stackpool.map(bases),
      stackLarge: mem.stackLarge.map(bases),
      procs: mem.caches.map((orders, p) => ({
        stackcache: orders.map((c) => ({ bytes: c.bytes, stacks: headFirst(c.stacks) })),
        gFree: headFirst(this.gfree.local[p]!).map((g) => g.index),
      })),
      gFreeStack: headFirst(this.gfree.globalStack).map((g) => g.index),
      gFreeNoStack: headFirst(this.gfree.globalNoStack).map((g) => g.index),
      gs,
      rawStacks: [...this.raw].sort((a, b) => a[0] - b[0])
        .map(([lo, bytes]) => ({ lo, hi: lo + bytes })),
      stats: this.stats(),
    };
  }

  checkInvariants(): void {
    checkSnapshotInvariants(this.snapshot(), this.config);
  }

  /** gfget: a free G for P, its stack made right for startingStackSize. */
  private gfget(p: number): G | undefined {
    const g = this.gfree.get(p);
    if (g === undefined) return undefined;
    if (g.hasStack && !this.keepsStackOnGet(g.stackBytes)) {
      this.deadGStackBytes -= g.stackBytes;
      this.mem.stackfree(g.lo, g.stackBytes, p);
      this.clearStack(g);
    } else if (g.hasStack) {
      this.deadGStackBytes -= g.stackBytes;
    }
    if (!g.hasStack) {
      this.setStack(g, this.mem.stackalloc(this.startingStackSize, p), this.startingStackSize);
    }
    return g;
  }

  /** gfput: a dead G goes on P's free list, keeping its stack if allowed. */
  private gfput(p: number, g: G): void {
    if (g.stackBytes !== this.startingStackSize && !this.keepsStackOnPut(g.stackBytes)) {
      this.mem.stackfree(g.lo, g.stackBytes, p);
      this.clearStack(g);
    }
    this.deadGStackBytes += g.stackBytes;
    this.gfree.put(p, g);
  }

  private keepsStackOnPut(sizeBytes: number): boolean {
    const cap = this.config.policy.keepGrownStackBytes;
    return cap > 0 && sizeBytes <= cap;
  }

  private keepsStackOnGet(sizeBytes: number): boolean {
    if (sizeBytes === this.startingStackSize) return true;
    const cap = this.config.policy.keepGrownStackBytes;
    return cap > 0 && sizeBytes >= this.startingStackSize && sizeBytes <= cap;
  }

  /** markrootFreeGStacks: free the stacks of Gs on the global stack list. */
  private markrootFreeGStacks(p: number): void {
    const list = this.gfree.globalStack;
    this.gfree.globalStack = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const g = list[i]!;
      this.deadGStackBytes -= g.stackBytes;
      this.mem.stackfree(g.lo, g.stackBytes, p);
      this.clearStack(g);
    }
    for (const g of list) this.gfree.globalNoStack.push(g);
  }

  /** gcComputeStartingStackSize: average scanned use plus the guard. */
  private gcComputeStartingStackSize(): void {
    const { fixedStackBytes, stackGuardBytes, maxStackBytes } = this.config.platform;
    if (this.scannedStacks === 0) {
      this.startingStackSize = fixedStackBytes;
      return;
    }
    const average = Math.floor(this.scannedStackBytes / this.scannedStacks) + stackGuardBytes;
    this.startingStackSize = round2(Math.min(Math.max(average, fixedStackBytes), maxStackBytes));
  }

  /** shrinkstack's test: half would still hold the use with room to spare. */
  private shouldShrink(g: G): boolean {
    const half = g.stackBytes / 2;
    if (half < this.config.platform.fixedStackBytes) return false;
    return g.usedBytes + this.config.platform.stackLimitBytes < g.stackBytes / 4;
  }

  /** copystack: allocate the new stack, then free the old one. */
  private copystack(g: G, newSize: number, p: number): void {
    const oldLo = g.lo;
    const oldSize = g.stackBytes;
    const lo = this.mem.stackalloc(newSize, p);
    this.mem.stackfree(oldLo, oldSize, p);
    this.liveStackBytes += newSize - oldSize;
    this.setStack(g, lo, newSize);
  }

  /** The sizes newstack passes through until `bytes` fits, or overflow. */
  private growthChain(sizeBytes: number, usedBytes: number): number[] {
    const { stackGuardBytes, maxStackBytes } = this.config.platform;
    const sizes: number[] = [];
    let size = sizeBytes;
    while (usedBytes + stackGuardBytes > size) {
      size *= 2;
      if (size > maxStackBytes) {
        throw runtimeThrow("use", "stackOverflow",
          `${usedBytes} bytes need a stack above the ${maxStackBytes}-byte maximum`,
          { usedBytes, stackBytes: sizeBytes });
      }
      sizes.push(size);
    }
    return sizes;
  }

  private setStack(g: G, lo: Address, sizeBytes: number): void {
    g.lo = lo;
    g.hi = lo + sizeBytes;
  }

  private clearStack(g: G): void {
    g.lo = 0;
    g.hi = 0;
  }

  private liveG(operation: string, goid: number): G {
    const g = Number.isInteger(goid) ? this.live.get(goid) : undefined;
    if (g === undefined) {
      throw runtimeThrow(operation, "unknownGoroutine",
        `goroutine ${String(goid)} is not live`, { goid });
    }
    return g;
  }

  // Limitation: the worst case counts a fresh span for every stack the
  // operation allocates, and the headroom is one contiguous run, so near
  // the heap limit an operation that scattered free runs could have served
  // is refused with out of simulated memory (docs/MODEL.md).
  private checkHeadroom(operation: string, pages: number): void {
    if (pages === 0) return;
    const headroom = this.mem.heap.headroomPages();
    if (headroom < pages) {
      throw runtimeThrow(operation, "outOfMemory",
        `needs up to ${pages} pages, the heap has room for ${headroom}`,
        { pages, headroom, heapLimitBytes: this.config.heapLimitBytes });
    }
  }

  /** Explains why stackfree refused a stack; never returns. */
  private rejectFree(stack: Stack, rawBytes: number | undefined): never {
    const bytes = stack.hi - stack.lo;
    if (rawBytes !== undefined) {
      throw runtimeThrow("stackfree", "badStackSize",
        `stack at ${stack.lo} is ${rawBytes} bytes, not ${bytes}`, { ...stack });
    }
    const { kind } = this.mem.classify(stack.lo);
    if (kind === "noSpan") {
      throw runtimeThrow("stackfree", "notStackSpan", `no stack span holds ${stack.lo}`,
        { ...stack });
    }
    if (kind === "free") {
      throw runtimeThrow("stackfree", "doubleFree", `stack at ${stack.lo} is already free`,
        { ...stack });
    }
    const what = kind === "misaligned" ? "is not the start of a stack" : "belongs to a goroutine";
    throw runtimeThrow("stackfree", "badStackSize", `${stack.lo} ${what}`, { ...stack });
  }

  private after<T>(value: T): T {
    if (this.config.checkInvariants) this.checkInvariants();
    return value;
  }
}

