// The whole-state checker both engines share: it reads a Snapshot and
// throws InvariantError naming the first rule broken. It knows the model's
// rules (docs/MODEL.md), not either engine's data structures, so the same
// checks hold the wasm core and the reference engine to one standard.

import { InvariantError } from "./errors.js";
import { PAGE_BYTES, isSmallStack } from "./profiles.js";
import type { Address, EngineConfig, Snapshot, SpanSnapshot, Stats } from "./types.js";

type Owner = string;

function fail(rule: string, details: Record<string, unknown> = {}): never {
  throw new InvariantError(rule, details);
}

/**
 * Checks every rule on a snapshot: conservation of bytes, allocCount
 * against list contents, no address in two places, span lookup, list
 * membership and free-G list rules.
 * @throws InvariantError naming the first broken rule and its state.
 */
export function checkSnapshotInvariants(s: Snapshot, config: EngineConfig): void {
  const spanAt = checkHeap(s);
  const owners = new Map<Address, Owner>();
  const claim = (addr: Address, sizeBytes: number, owner: Owner): SpanSnapshot => {
    const previous = owners.get(addr);
    if (previous !== undefined) fail("an address is in two places", { addr, previous, owner });
    owners.set(addr, owner);
    const span = spanAt(addr);
    if (span === undefined) fail("a stack lies outside every stack span", { addr, owner });
    const elemBytes = span.order < 0 ? span.pages * PAGE_BYTES
      : config.platform.fixedStackBytes << span.order;
    if (elemBytes !== sizeBytes || (addr - span.base) % elemBytes !== 0) {
      fail("span lookup disagrees with a stack's size",
        { addr, sizeBytes, owner, span: span.base });
    }
    return span;
  };
  const outCount = new Map<Address, number>();
  const countOut = (addr: Address, sizeBytes: number, owner: Owner): void => {
    const span = claim(addr, sizeBytes, owner);
    outCount.set(span.base, (outCount.get(span.base) ?? 0) + 1);
  };

  let poolFree = 0;
  for (const span of s.spans) {
    if (span.order < 0) continue;
    const elem = config.platform.fixedStackBytes << span.order;
    for (const addr of span.freeStacks) claim(addr, elem, `span ${span.base} free list`);
    poolFree += span.freeStacks.length * elem;
  }

  let pCache = 0;
  s.procs.forEach((proc, p) => proc.stackcache.forEach((cache, order) => {
    const elem = config.platform.fixedStackBytes << order;
    if (cache.bytes !== cache.stacks.length * elem) {
      fail("a P cache's byte count is not its length times the stack size", { p, order });
    }
    for (const addr of cache.stacks) countOut(addr, elem, `P ${p} cache`);
    pCache += cache.bytes;
  }));

  let live = 0;
  let dead = 0;
  for (const g of s.gs) {
    if (g.lo === 0) continue;
    const bytes = g.hi - g.lo;
    if (isSmallStack(bytes, config)) countOut(g.lo, bytes, `G ${g.index}`);
    else claim(g.lo, bytes, `G ${g.index}`);
    if (g.status === "live") live += bytes;
    else dead += bytes;
  }
  let raw = 0;
  for (const st of s.rawStacks) {
    const bytes = st.hi - st.lo;
    if (isSmallStack(bytes, config)) countOut(st.lo, bytes, "raw");
    else claim(st.lo, bytes, "raw");
    raw += bytes;
  }

  let largeCache = 0;
  s.stackLarge.forEach((list) => {
    for (const base of list) {
      const span = spanAt(base);
      if (span === undefined || span.place !== "stackLarge") {
        fail("stackLarge holds a span not marked so", { base });
      }
      claim(base, span.pages * PAGE_BYTES, "stackLarge");
      largeCache += span.pages * PAGE_BYTES;
    }
  });

  checkPools(s, config, outCount);
  checkLargeSpans(s, owners);
  checkTotals(s.stats, { live, dead, pCache, poolFree, largeCache, raw });
  checkFreeGs(s, config);
}

function checkHeap(s: Snapshot): (addr: Address) => SpanSnapshot | undefined {
  const ranges: { base: Address; end: Address; span?: SpanSnapshot }[] = [
    ...s.spans.map((span) => ({ base: span.base, end: span.base + span.pages * PAGE_BYTES, span })),
    ...s.heap.freeRuns.map((r) => ({ base: r.base, end: r.base + r.pages * PAGE_BYTES })),
  ].sort((a, b) => a.base - b.base);
  let cursor = s.heap.arenaBase;
  let previousFree = false;
  for (const r of ranges) {
    if (r.base !== cursor) {
      fail("heap pages are lost or counted twice", { at: cursor, next: r.base });
    }
    if (r.span === undefined && previousFree) {
      fail("two free runs touch without coalescing", { at: r.base });
    }
    previousFree = r.span === undefined;
    cursor = r.end;
  }
  if (cursor !== s.heap.arenaBase + s.heap.pages * PAGE_BYTES) {
    fail("spans and free runs do not cover the mapped arena", { end: cursor, pages: s.heap.pages });
  }
  const inuse = s.spans.reduce((sum, span) => sum + span.pages * PAGE_BYTES, 0);
  if (inuse !== s.stats.stackInuse) {
    fail("stackInuse is not the bytes of manual spans", { inuse, stats: s.stats.stackInuse });
  }

  const spans = s.spans;
  return (addr: Address) => {
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const span = spans[mid]!;
      if (addr < span.base) hi = mid - 1;
      else if (addr >= span.base + span.pages * PAGE_BYTES) lo = mid + 1;
      else return span;
    }
    return undefined;
  };
}

function checkPools(s: Snapshot, config: EngineConfig, outCount: Map<Address, number>): void {
  const poolSpanPages = config.policy.stackCacheBytes / PAGE_BYTES;
  const listed = new Map<Address, number>();
  s.stackpool.forEach((list, order) => list.forEach((base) => {
    if (listed.has(base)) fail("a span is on a stack pool list twice", { base });
    listed.set(base, order);
  }));
  for (const span of s.spans) {
    if (span.order < 0) continue;
    const elemBytes = config.platform.fixedStackBytes << span.order;
    const stacksPerSpan = config.policy.stackCacheBytes / elemBytes;
    if (span.pages !== poolSpanPages) {
      fail("a pool span has the wrong page count", { base: span.base });
    }
    const out = outCount.get(span.base) ?? 0;
    if (span.allocCount !== out || span.allocCount + span.freeStacks.length !== stacksPerSpan) {
      fail("bad allocCount",
        { base: span.base, allocCount: span.allocCount, out, free: span.freeStacks.length });
    }
    const onList = listed.get(span.base) === span.order;
    if (onList !== (span.freeStacks.length > 0) || onList !== (span.place === "stackpool")) {
      fail("a pool span with free stacks must be on its order's list, and only then",
        { base: span.base });
    }
    if (s.gcPhase === "off" && span.allocCount === 0) {
      fail("an empty pool span outlived the GC-off check", { base: span.base });
    }
  }
  const bases = new Set(s.spans.map((span) => span.base));
  for (const base of listed.keys()) {
    if (!bases.has(base)) {
      fail("a stack pool list holds a span that is not in manual state", { base });
    }
  }
}

function checkLargeSpans(s: Snapshot, owners: Map<Address, Owner>): void {
  for (const span of s.spans) {
    if (span.order >= 0) continue;
    if (!owners.has(span.base)) {
      fail("a large-stack span is neither cached nor owned", { base: span.base });
    }
    if (s.gcPhase === "off" && span.place === "stackLarge") {
      fail("the large-stack cache holds spans while GC is off", { base: span.base });
    }
  }
}

function checkTotals(stats: Stats, sums: { live: number; dead: number; pCache: number;
  poolFree: number; largeCache: number; raw: number }): void {
  const expect = (field: keyof Stats, value: number): void => {
    if (stats[field] !== value) {
      fail(`stats.${field} disagrees with the lists`, { stats: stats[field], lists: value });
    }
  };
  expect("liveStackBytes", sums.live);
  expect("deadGStackBytes", sums.dead);
  expect("pCacheBytes", sums.pCache);
  expect("poolFreeBytes", sums.poolFree);
  expect("largeCacheBytes", sums.largeCache);
  expect("rawStackBytes", sums.raw);
  const parts = sums.live + sums.dead + sums.pCache + sums.poolFree + sums.largeCache + sums.raw;
  if (parts !== stats.stackInuse) {
    fail("stackInuse is not live + deadG + pCache + poolFree + largeCache + raw",
      { stackInuse: stats.stackInuse, parts });
  }
}

function checkFreeGs(s: Snapshot, config: EngineConfig): void {
  const seen = new Set<number>();
  const visit = (index: number, where: string, wantStack?: boolean): void => {
    const g = s.gs[index];
    if (g === undefined || g.status !== "dead") {
      fail("a free-G list holds a G that is not dead", { index, where });
    }
    if (seen.has(index)) fail("a G is on two free-G lists", { index, where });
    seen.add(index);
    if (wantStack !== undefined && (g.lo !== 0) !== wantStack) {
      fail("a G is on the wrong global list for its stack", { index, where });
    }
  };
  let local = 0;
  s.procs.forEach((proc, p) => {
    if (proc.gFree.length >= config.policy.gfreeSpillAt) {
      fail("a P's free-G list reached the spill limit", { p });
    }
    proc.gFree.forEach((i) => visit(i, `P ${p}`));
    local += proc.gFree.length;
  });
  s.gFreeStack.forEach((i) => visit(i, "gFree.stack", true));
  s.gFreeNoStack.forEach((i) => visit(i, "gFree.noStack", false));
  const dead = s.gs.filter((g) => g.status === "dead").length;
  if (seen.size !== dead) fail("a dead G is on no free-G list", { onLists: seen.size, dead });
  const { stats } = s;
  if (stats.gfreeLocal !== local || stats.gfreeGlobalStack !== s.gFreeStack.length
    || stats.gfreeGlobalNoStack !== s.gFreeNoStack.length) {
    fail("free-G counts disagree with the lists");
  }
  if (stats.liveGoroutines !== s.gs.length - dead) fail("liveGoroutines disagrees with the Gs");
  for (const g of s.gs) {
    if (g.status === "live" && g.lo === 0) fail("newproc1: newg missing stack", { index: g.index });
  }
}
