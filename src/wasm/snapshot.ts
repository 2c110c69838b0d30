// Decodes the f64 stream the core's snapshot walkers write (the stream's
// layout is drawn in assembly/snapshot.ts) into a Snapshot, converting
// slot and page numbers to simulated addresses.

import { ARENA_BASE_ADDRESS, PAGE_BYTES } from "../profiles.js";
import type {
  Address, EngineConfig, GcPhase, GSnapshot, SpanPlace, SpanSnapshot, Stack, Stats,
  Snapshot,
} from "../types.js";

const PHASES: readonly GcPhase[] = ["off", "mark", "marktermination"];
const PLACES: readonly SpanPlace[] = ["stackpool", "full", "stackLarge", "inUse"];
const G_LIVE = 1;

/** Sequential reader over the scratch values. */
class Reader {
  private at = 0;
  constructor(private readonly values: Float64Array) {}
  next(): number {
    const value = this.values[this.at++];
    if (value === undefined) throw new RangeError("snapshot stream ended early");
    return value;
  }
  list<T>(item: () => T): T[] {
    const count = this.next();
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(item());
    return items;
  }
}

/** Decodes a snapshot stream for an engine of this configuration. */
export function decodeSnapshot(values: Float64Array, config: EngineConfig,
  stats: Stats): Snapshot {
  const fixed = config.platform.fixedStackBytes;
  const slotAddr = (slot: number): Address => ARENA_BASE_ADDRESS + slot * fixed;
  const pageAddr = (page: number): Address => ARENA_BASE_ADDRESS + page * PAGE_BYTES;
  const r = new Reader(values);
  const gcPhase = PHASES[r.next()] ?? "off";
  const startingStackSize = r.next();
  const pages = r.next();
  const freeRuns = r.list(() => ({ base: pageAddr(r.next()), pages: r.next() }));
  // Object literal fields are read in source order, the stream's order.
  const spans = r.list((): SpanSnapshot => ({
    base: pageAddr(r.next()),
    pages: r.next(),
    order: r.next(),
    allocCount: r.next(),
    place: PLACES[r.next()] ?? "inUse",
    freeStacks: r.list(() => slotAddr(r.next())),
  }));
  const stackpool: Address[][] = [];
  for (let o = 0; o < config.policy.numStackOrders; o++) {
    stackpool.push(r.list(() => pageAddr(r.next())));
  }
  const stackLarge = r.list(() => r.list(() => pageAddr(r.next())));
  const procs = r.list(() => {
    const stackcache: { bytes: number; stacks: Address[] }[] = [];
    for (let o = 0; o < config.policy.numStackOrders; o++) {
      const bytes = r.next();
      stackcache.push({ bytes, stacks: r.list(() => slotAddr(r.next())) });
    }
    return { stackcache, gFree: r.list(() => r.next()) };
  });
  const gFreeStack = r.list(() => r.next());
  const gFreeNoStack = r.list(() => r.next());
  let index = 0;
  const gs = r.list((): GSnapshot => {
    const goid = r.next();
    const status = r.next() === G_LIVE ? "live" : "dead";
    const p = r.next();
    const slot = r.next();
    const bytes = r.next();
    const usedBytes = r.next();
    const lo = bytes === 0 ? 0 : slotAddr(slot);
    return { index: index++, goid, status, p, lo, hi: bytes === 0 ? 0 : lo + bytes, usedBytes };
  });
  const rawStacks = r.list((): Stack => {
    const lo = slotAddr(r.next());
    return { lo, hi: lo + r.next() };
  });
  return {
    gcPhase, startingStackSize,
    heap: { arenaBase: ARENA_BASE_ADDRESS, pages, freeRuns },
    spans, stackpool, stackLarge, procs, gFreeStack, gFreeNoStack, gs, rawStacks,
    stats,
  };
}
