// Messages between the explorer page and its run workers. The page owns
// time: it moves a target tick forward and tells each worker; a worker runs
// its scenario in short slices up to the target, reporting its progress
// after each slice, and returns to its event loop between slices, so a new
// target (pause, step, speed) takes effect within a slice. Plain
// postMessage only: the page needs no cross-origin isolation.

import { STACK_INUSE_PARTS } from "../../src/types.js";
import type { Stats } from "../../src/types.js";
import type { Scenario } from "../../src/workload/types.js";

/** The target that means "no limit" (the fastest speed). */
export const UNLIMITED_TICKS = 0x7fff_ffff;

/** Span places in SpanCells.place, in this order. */
export const SPAN_PLACES = ["stackpool", "full", "stackLarge", "inUse"] as const;

/** Chart columns of one sample, in this order (bytes, tick first). */
export const SAMPLE_FIELDS = STACK_INUSE_PARTS.map((part) => part.field);
/** Numbers per sample row: the tick, then SAMPLE_FIELDS. */
export const SAMPLE_WIDTH = 1 + SAMPLE_FIELDS.length;

/** Page to worker: run a scenario, holding at tick 0 until a target comes. */
export interface StartMessage {
  type: "start";
  scenario: Scenario;
  /** The compiled core (structured-cloned; compiled once by the page). */
  module: WebAssembly.Module;
  /** Most span cells one view carries per section (order or large). */
  maxCellsPerSection: number;
}

/** Page to worker: run until `tick` ticks are done (lowered on pause). */
export interface TargetMessage {
  type: "target";
  tick: number;
  /** The page is paused: send a view of the tick where the run holds. */
  paused: boolean;
}

/** Page to worker. */
export type PageMessage = StartMessage | TargetMessage;

/** The spans of one section of the span map, column-wise. */
export interface SpanCells {
  /** Spans in the section (all of them, even when the arrays are capped). */
  total: number;
  base: Float64Array;
  pages: Uint32Array;
  allocCount: Uint32Array;
  /** Stacks on the span's own free list. */
  free: Uint32Array;
  /** Index into SPAN_PLACES. */
  place: Uint8Array;
}

/** One P's stack cache and free-G list. */
export interface ProcView {
  /** Bytes cached per order. */
  cacheBytes: number[];
  /** Dead Gs on its free list, and how many of them keep a stack. */
  gFree: number;
  gFreeWithStack: number;
  gFreeStackBytes: number;
}

/** What the page draws of one engine state; small next to a snapshot. */
export interface View {
  tick: number;
  stats: Stats;
  gcPhase: string;
  /** Stack size of each order, bytes (index = order). */
  orderBytes: number[];
  /** One section per order, then the large spans as the last section. */
  sections: SpanCells[];
  /** Mapped arena and its free runs (page offsets and lengths, capped). */
  heapPages: number;
  freeRunStart: Uint32Array;
  freeRunPages: Uint32Array;
  freeRunTotal: number;
  procs: ProcView[];
  global: { withStack: number; withStackBytes: number; noStack: number };
  /** Totals over the whole snapshot (not the capped cells), for checks. */
  sums: {
    spanBytes: number;
    poolFreeBytes: number;
    largeCacheBytes: number;
    pCacheBytes: number;
    deadGStackBytes: number;
  };
  /** Milliseconds the snapshot and its reduction took. */
  costMs: number;
}

/** Worker to page. */
export type WorkerMessage =
  | { type: "ready"; totalTicks: number; stackCacheBytes: number; procs: number }
  | { type: "samples"; rows: Float64Array; tick: number }
  /** Ticks done, after every slice of ticks and whenever the run holds. */
  | { type: "progress"; tick: number }
  | { type: "view"; view: View }
  | { type: "done"; tick: number }
  | { type: "error"; message: string };
