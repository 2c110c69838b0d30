// Stack memory of the reference engine: the per-order stack pools
// (stackpoolalloc / stackpoolfree), the large-stack cache (stackLarge), the
// per-P stack caches (refill, release, clear) and stackalloc / stackfree on
// top of them, as in runtime/stack.go. Goroutines and free-G lists are not
// here; the heap under the spans is heap.ts.

import { InvariantError } from "../errors.js";
import { PAGE_BYTES, isSmallStack, stackOrder } from "../profiles.js";
import type { Address, EngineConfig, GcPhase, PRef } from "../types.js";
import { PageHeap, Span, SpanList } from "./heap.js";

/** One P's cache for one order: a LIFO of free stacks and its byte count. */
export class StackCacheOrder {
  /** Free stacks; the last element is the head of the runtime's list. */
  readonly stacks: Address[] = [];
  bytes = 0;
}

/** Everything that holds stack memory below the goroutines. */
export class StackMemory {
  readonly heap: PageHeap;
  /** stackpool[order]: spans with at least one free stack. */
  readonly stackpool: SpanList[];
  /** stackLarge.free[log2(pages)]: whole free spans kept during GC. */
  readonly stackLarge: SpanList[] = [];
  /** caches[p][order]. */
  caches: StackCacheOrder[][] = [];
  gcPhase: GcPhase = "off";
  pCacheBytes = 0;
  poolFreeBytes = 0;
  largeCacheBytes = 0;
  cacheRefills = 0;
  cacheReleases = 0;

  readonly fixedStackBytes: number;
  readonly cacheLimitBytes: number;
  readonly poolSpanPages: number;

  constructor(readonly config: EngineConfig) {
    this.heap = new PageHeap(config.heapLimitBytes / PAGE_BYTES);
    this.fixedStackBytes = config.platform.fixedStackBytes;
    this.cacheLimitBytes = config.policy.stackCacheBytes;
    this.poolSpanPages = this.cacheLimitBytes / PAGE_BYTES;
    this.stackpool = Array.from({ length: config.policy.numStackOrders }, () => new SpanList());
    this.resizeCaches(config.procs);
  }

  /** Adds empty caches for new Ps or drops the (already cleared) extras. */
  resizeCaches(procs: number): void {
    while (this.caches.length < procs) {
      this.caches.push(this.stackpool.map(() => new StackCacheOrder()));
    }
    this.caches.length = procs;
  }

  isSmall(sizeBytes: number): boolean {
    return isSmallStack(sizeBytes, this.config);
  }

  orderOf(sizeBytes: number): number {
    return stackOrder(sizeBytes, this.fixedStackBytes);
  }

  /** Pages a fresh allocation of this size takes (the worst case). */
  worstCasePages(sizeBytes: number): number {
    return this.isSmall(sizeBytes) ? this.poolSpanPages : sizeBytes / PAGE_BYTES;
  }

  /** stackalloc: a stack of sizeBytes, through P's cache unless noP. */
  stackalloc(sizeBytes: number, p: PRef): Address {
    if (!this.isSmall(sizeBytes)) return this.largeAlloc(sizeBytes);
    const order = this.orderOf(sizeBytes);
    if (p === "noP") return this.stackpoolalloc(order);
    const cache = this.caches[p]![order]!;
    if (cache.stacks.length === 0) this.stackcacherefill(cache, order);
    const addr = cache.stacks.pop()!;
    cache.bytes -= sizeBytes;
    this.pCacheBytes -= sizeBytes;
    return addr;
  }

  /** stackfree: gives the stack at addr back through P's cache unless noP. */
  stackfree(addr: Address, sizeBytes: number, p: PRef): void {
    if (!this.isSmall(sizeBytes)) {
      this.largeFree(addr);
      return;
    }
    const order = this.orderOf(sizeBytes);
    if (p === "noP") {
      this.stackpoolfree(addr, order);
      return;
    }
    const cache = this.caches[p]![order]!;
    if (cache.bytes >= this.cacheLimitBytes) this.stackcacherelease(cache, order);
    cache.stacks.push(addr);
    cache.bytes += sizeBytes;
    this.pCacheBytes += sizeBytes;
  }

  /** stackcache_clear: every cached stack of P goes back to the pools. */
  stackcacheClear(p: number): void {
    this.caches[p]!.forEach((cache, order) => {
      while (cache.stacks.length > 0) {
        const addr = cache.stacks.pop()!;
        this.pCacheBytes -= this.fixedStackBytes << order;
        this.stackpoolfree(addr, order);
      }
      cache.bytes = 0;
    });
  }

  /** freeStackSpans: empty pool spans and the large cache go to the heap. */
  freeStackSpans(): void {
    for (const list of this.stackpool) {
      for (const span of [...list]) {
        if (span.allocCount !== 0) continue;
        list.remove(span, "inUse");
        this.poolFreeBytes -= span.freeStacks.length * span.elemBytes;
        span.freeStacks.length = 0;
        this.heap.freeManual(span);
      }
    }
    for (const list of this.stackLarge) {
      for (const span of [...list]) {
        list.remove(span, "inUse");
        this.largeCacheBytes -= span.elemBytes;
        this.heap.freeManual(span);
      }
    }
  }

  /** Takes stacks from the pool until the cache holds half its limit. */
  private stackcacherefill(cache: StackCacheOrder, order: number): void {
    const elemBytes = this.fixedStackBytes << order;
    this.cacheRefills++;
    while (cache.bytes < this.cacheLimitBytes / 2) {
      cache.stacks.push(this.stackpoolalloc(order));
      cache.bytes += elemBytes;
      this.pCacheBytes += elemBytes;
    }
  }

  /** Gives stacks back from the front until the cache holds half its limit. */
  private stackcacherelease(cache: StackCacheOrder, order: number): void {
    const elemBytes = this.fixedStackBytes << order;
    this.cacheReleases++;
    while (cache.bytes > this.cacheLimitBytes / 2) {
      const addr = cache.stacks.pop()!;
      cache.bytes -= elemBytes;
      this.pCacheBytes -= elemBytes;
      this.stackpoolfree(addr, order);
    }
  }

  /** stackpoolalloc: one stack from the first span of the order's pool. */
  stackpoolalloc(order: number): Address {
    const list = this.stackpool[order]!;
    let span = list.first;
    if (span === null) {
      span = this.heap.allocManual(this.poolSpanPages);
      span.order = order;
      span.elemBytes = this.fixedStackBytes << order;
      // Carving pushes each stack on the free list, so the stack at the
      // highest offset is handed out first, as in the runtime.
      for (let off = 0; off < this.cacheLimitBytes; off += span.elemBytes) {
        span.freeStacks.push(span.base + off);
      }
      this.poolFreeBytes += this.cacheLimitBytes;
      list.insert(span, "stackpool");
    }
    const addr = span.freeStacks.pop();
    if (addr === undefined) {
      throw new InvariantError("span has no free stacks", { base: span.base });
    }
    span.allocCount++;
    this.poolFreeBytes -= span.elemBytes;
    if (span.freeStacks.length === 0) list.remove(span, "full");
    return addr;
  }

  /** stackpoolfree: the stack goes back on its span's free list. */
  stackpoolfree(addr: Address, order: number): void {
    const span = this.heap.spanOf(addr);
    if (span === undefined || span.order !== order) {
      throw new InvariantError("freeing stack not in a stack span", { addr, order });
    }
    const list = this.stackpool[order]!;
    if (span.freeStacks.length === 0) list.insert(span, "stackpool");
    span.freeStacks.push(addr);
    span.allocCount--;
    this.poolFreeBytes += span.elemBytes;
    if (this.gcPhase === "off" && span.allocCount === 0) {
      // Returned at once only between GC cycles: during a cycle the GC may
      // still be scanning a stack in the span (see freeStackSpans).
      list.remove(span, "inUse");
      this.poolFreeBytes -= span.freeStacks.length * span.elemBytes;
      span.freeStacks.length = 0;
      this.heap.freeManual(span);
    }
  }

  private largeList(pages: number): SpanList {
    const log2 = Math.log2(pages);
    while (this.stackLarge.length <= log2) this.stackLarge.push(new SpanList());
    return this.stackLarge[log2]!;
  }

  private largeAlloc(sizeBytes: number): Address {
    const list = this.largeList(sizeBytes / PAGE_BYTES);
    let span = list.first;
    if (span !== null) {
      list.remove(span, "inUse");
      this.largeCacheBytes -= span.elemBytes;
    } else {
      span = this.heap.allocManual(sizeBytes / PAGE_BYTES);
    }
    return span.base;
  }

  private largeFree(addr: Address): void {
    const span = this.heap.spanOf(addr)!;
    if (this.gcPhase === "off") {
      this.heap.freeManual(span);
    } else {
      this.largeList(span.pages).insert(span, "stackLarge");
      this.largeCacheBytes += span.elemBytes;
    }
  }

  /** How an address relates to the stacks, for stackfree's checks. */
  classify(addr: Address): { kind: "noSpan" | "misaligned" | "free" | "out"; span?: Span } {
    const span = this.heap.spanOf(addr);
    if (span === undefined) return { kind: "noSpan" };
    if ((addr - span.base) % span.elemBytes !== 0) return { kind: "misaligned", span };
    if (span.order < 0) return { kind: span.place === "stackLarge" ? "free" : "out", span };
    if (span.freeStacks.includes(addr)) return { kind: "free", span };
    const inCache = this.caches.some((orders) => orders[span.order]!.stacks.includes(addr));
    return { kind: inCache ? "free" : "out", span };
  }
}
