// The page heap of the reference engine: allocManual / freeManual over a
// sorted list of free runs, the span records they hand out, and span lookup
// by address (the runtime's spanOfUnchecked). Stack pools and caches live in
// stacks.ts; this file knows nothing about stacks beyond "a span".

import { InvariantError } from "../errors.js";
import { ARENA_BASE_ADDRESS, PAGE_BYTES } from "../profiles.js";
import type { Address, Pages, SpanPlace } from "../types.js";

/** Pages mapped at a time when the arena grows: 64 MiB, Go's heap arena. */
export const ARENA_CHUNK_PAGES = (64 * 1024 * 1024) / PAGE_BYTES;

/** A doubly linked list of spans, as the runtime's mSpanList. */
export class SpanList {
  first: Span | null = null;

  /** Inserts at the front, as mSpanList.insert does. */
  insert(span: Span, place: SpanPlace): void {
    span.next = this.first;
    span.prev = null;
    if (this.first !== null) this.first.prev = span;
    this.first = span;
    span.list = this;
    span.place = place;
  }

  remove(span: Span, place: SpanPlace): void {
    if (span.prev !== null) span.prev.next = span.next;
    else this.first = span.next;
    if (span.next !== null) span.next.prev = span.prev;
    span.prev = null;
    span.next = null;
    span.list = null;
    span.place = place;
  }

  get isEmpty(): boolean {
    return this.first === null;
  }

  *[Symbol.iterator](): IterableIterator<Span> {
    for (let s = this.first; s !== null; s = s.next) yield s;
  }
}

/** A run of pages in manual (stack) state. */
export class Span {
  /** Free stacks; the last element is the head of manualFreeList. */
  readonly freeStacks: Address[] = [];
  allocCount = 0;
  /** Size of each stack for pool spans; the whole span for large ones. */
  elemBytes: number;
  /** Order of a pool span's stacks, -1 for a large-stack span. */
  order: number;
  prev: Span | null = null;
  next: Span | null = null;
  list: SpanList | null = null;
  place: SpanPlace = "inUse";

  constructor(readonly firstPage: number, readonly pages: Pages) {
    this.elemBytes = pages * PAGE_BYTES;
    this.order = -1;
  }

  get base(): Address {
    return pageAddress(this.firstPage);
  }
}

interface FreeRun {
  firstPage: number;
  pages: Pages;
}

/** Simulated address of a page. */
export function pageAddress(page: number): Address {
  return ARENA_BASE_ADDRESS + page * PAGE_BYTES;
}

/** The page holding an address, or -1 below the arena. */
export function addressPage(addr: Address): number {
  return addr < ARENA_BASE_ADDRESS ? -1 : Math.floor((addr - ARENA_BASE_ADDRESS) / PAGE_BYTES);
}

/** First-fit page heap with coalescing; grows in ARENA_CHUNK_PAGES steps. */
export class PageHeap {
  mappedPages = 0;
  inUsePages = 0;
  spanAllocs = 0;
  spanFrees = 0;
  /** Free runs sorted by first page, never adjacent to each other. */
  private readonly freeRuns: FreeRun[] = [];
  /** Span of every page in manual state, undefined elsewhere. */
  private readonly pageSpans: (Span | undefined)[] = [];

  constructor(readonly limitPages: Pages) {}

  /** Pages the largest single allocation could get without failing. */
  headroomPages(): Pages {
    let best = 0;
    let tail = this.limitPages - this.mappedPages;
    for (const run of this.freeRuns) {
      if (run.firstPage + run.pages === this.mappedPages) tail += run.pages;
      else best = Math.max(best, run.pages);
    }
    return Math.max(best, tail);
  }

  /** mheap.allocManual: the lowest free run that fits, growing if none. */
  allocManual(pages: Pages): Span {
    let index = this.freeRuns.findIndex((run) => run.pages >= pages);
    if (index < 0) index = this.grow(pages);
    const run = this.freeRuns[index]!;
    const span = new Span(run.firstPage, pages);
    run.firstPage += pages;
    run.pages -= pages;
    if (run.pages === 0) this.freeRuns.splice(index, 1);
    for (let p = 0; p < pages; p++) this.pageSpans[span.firstPage + p] = span;
    this.inUsePages += pages;
    this.spanAllocs++;
    return span;
  }

  /** mheap.freeManual: the span's pages become free and coalesce. */
  freeManual(span: Span): void {
    if (span.allocCount !== 0) {
      throw new InvariantError("mheap.freeSpanLocked - invalid stack free",
        { base: span.base, allocCount: span.allocCount });
    }
    for (let p = 0; p < span.pages; p++) this.pageSpans[span.firstPage + p] = undefined;
    this.inUsePages -= span.pages;
    this.spanFrees++;
    this.insertFreeRun(span.firstPage, span.pages);
  }

  /** spanOfUnchecked: the span in manual state holding addr, if any. */
  spanOf(addr: Address): Span | undefined {
    const page = addressPage(addr);
    return page < 0 ? undefined : this.pageSpans[page];
  }

  /** Address of page 0. */
  get arenaBase(): Address {
    return ARENA_BASE_ADDRESS;
  }

  /** Every span in manual state, lowest address first. */
  spans(): Span[] {
    const spans: Span[] = [];
    for (let page = 0; page < this.pageSpans.length; page++) {
      const span = this.pageSpans[page];
      if (span !== undefined && span.firstPage === page) spans.push(span);
    }
    return spans;
  }

  /** Free runs as simulated addresses, lowest first. */
  freeRunsSnapshot(): { base: Address; pages: Pages }[] {
    return this.freeRuns.map((r) => ({ base: pageAddress(r.firstPage), pages: r.pages }));
  }

  /** Maps whole chunks at the end; returns the index of the run that fits. */
  private grow(pages: Pages): number {
    const last = this.freeRuns[this.freeRuns.length - 1];
    const trailing = last !== undefined && last.firstPage + last.pages === this.mappedPages
      ? last.pages : 0;
    const chunks = Math.ceil((pages - trailing) / ARENA_CHUNK_PAGES);
    const newMapped = Math.min(this.mappedPages + chunks * ARENA_CHUNK_PAGES, this.limitPages);
    if (newMapped - this.mappedPages + trailing < pages) {
      // The out-of-memory pre-check runs before every operation, so reaching
      // this means the pre-check and the heap disagree.
      throw new InvariantError("allocManual: heap limit reached after the pre-check passed",
        { pages, mappedPages: this.mappedPages, limitPages: this.limitPages });
    }
    this.insertFreeRun(this.mappedPages, newMapped - this.mappedPages);
    this.mappedPages = newMapped;
    return this.freeRuns.length - 1;
  }

  private insertFreeRun(firstPage: number, pages: Pages): void {
    // Binary search for the first run after the new one.
    let lo = 0;
    let hi = this.freeRuns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.freeRuns[mid]!.firstPage < firstPage) lo = mid + 1;
      else hi = mid;
    }
    const before = this.freeRuns[lo - 1];
    const after = this.freeRuns[lo];
    const joinsBefore = before !== undefined && before.firstPage + before.pages === firstPage;
    const joinsAfter = after !== undefined && firstPage + pages === after.firstPage;
    if (joinsBefore && joinsAfter) {
      before.pages += pages + after.pages;
      this.freeRuns.splice(lo, 1);
    } else if (joinsBefore) {
      before.pages += pages;
    } else if (joinsAfter) {
      after.firstPage = firstPage;
      after.pages += pages;
    } else {
      this.freeRuns.splice(lo, 0, { firstPage, pages });
    }
  }
}
