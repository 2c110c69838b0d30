// StackInuse over time as a stacked area of its parts, drawn with uPlot.
// uPlot has no stacking of its own, so each series carries the running sum
// of the parts below it and is filled down to zero; the topmost sum is
// drawn first so every lower part paints over it. The legend shows each
// part's own value. Points are thinned by halves past MAX_POINTS so a long
// run keeps a bounded chart.

import uPlot from "uplot";
import { STACK_INUSE_PARTS } from "../../src/types.js";
import { SAMPLE_FIELDS, SAMPLE_WIDTH } from "./protocol.js";

/** Most points kept per series; past this every other point is dropped. */
const MAX_POINTS = 4000;
const CHART_HEIGHT_PX = 210;
const KIB = 1024;
const MIB = 1024 * KIB;
/** Y axis steps: powers of two from 1 KiB to 64 GiB, so labels are round. */
const BYTE_STEPS = Array.from({ length: 27 }, (_, k) => KIB * 2 ** k);

/** Colours of the StackInuse parts, in STACK_INUSE_PARTS order. */
const PART_COLORS = ["#3b6ea8", "#8e6bbf", "#4fa36b", "#e0a52b", "#d4573b", "#8a8a8a"];

/** Labels and colours of SAMPLE_FIELDS, bottom of the stack first. */
export const PARTS: { label: string; color: string }[] = STACK_INUSE_PARTS.map(
  (part, i) => ({ label: part.label, color: PART_COLORS[i]! }));

/** A byte count for axes and legends. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(bytes >= 100 * MIB ? 0 : 1)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** One side's chart and the samples behind it. */
export class StackChart {
  private readonly ticks: number[] = [];
  private readonly parts: number[][] = SAMPLE_FIELDS.map(() => []);
  private stride = 1;
  private lastTick = -Infinity;
  private dirty = false;
  private readonly plot: uPlot;
  /** Top of the y scale shared with the other side, bytes (0: own data). */
  private sharedTop = 0;
  private peak = 0;

  constructor(private readonly host: HTMLElement, title: string, syncKey: string) {
    const series: uPlot.Series[] = [{ label: "tick",
      value: (_u, _v, _s, i) => String(this.ticks[i ?? this.ticks.length - 1] ?? "-") }];
    for (let k = PARTS.length - 1; k >= 0; k--) {
      const part = PARTS[k]!;
      series.push({
        label: part.label,
        stroke: part.color,
        fill: part.color,
        width: 1,
        points: { show: false },
        // Without a cursor on the chart, the legend shows the latest tick.
        value: (_u, _v, _s, i) => formatBytes(this.partAt(k, i ?? this.ticks.length - 1)),
      });
    }
    this.plot = new uPlot({
      title,
      width: Math.max(host.clientWidth, 300),
      height: CHART_HEIGHT_PX,
      series,
      scales: {
        x: { time: false },
        y: { range: (_u, _min, max) => [0, Math.max(max, this.sharedTop)] },
      },
      axes: [{}, { size: 70, incrs: BYTE_STEPS,
        values: (_u, splits) => splits.map(formatBytes) }],
      cursor: { sync: { key: syncKey } },
      legend: { live: true },
    }, this.data(), host);
  }

  /** Points held now (after thinning). */
  get points(): number {
    return this.ticks.length;
  }

  /** The largest StackInuse seen, bytes. */
  get top(): number {
    return this.peak;
  }

  /** Makes the y scale reach at least `bytes`, so two sides compare. */
  shareTop(bytes: number): void {
    if (bytes === this.sharedTop) return;
    this.sharedTop = bytes;
    this.dirty = true;
  }

  /** Appends sample rows ([tick, ...SAMPLE_FIELDS] each). */
  add(rows: Float64Array): void {
    for (let at = 0; at < rows.length; at += SAMPLE_WIDTH) {
      const tick = rows[at]!;
      if (tick - this.lastTick < this.stride) continue;
      this.lastTick = tick;
      this.ticks.push(tick);
      let sum = 0;
      this.parts.forEach((column, k) => {
        const bytes = rows[at + 1 + k]!;
        column.push(bytes);
        sum += bytes;
      });
      this.peak = Math.max(this.peak, sum);
      if (this.ticks.length > MAX_POINTS) this.thin();
    }
    this.dirty = true;
  }

  /** Redraws if samples arrived since the last call. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.data());
  }

  resize(): void {
    this.plot.setSize({ width: Math.max(this.host.clientWidth, 300), height: CHART_HEIGHT_PX });
  }

  destroy(): void {
    this.plot.destroy();
  }

  private partAt(k: number, i: number): number {
    return this.parts[k]![i] ?? 0;
  }

  private thin(): void {
    const keep = (column: number[]): void => {
      let w = 0;
      for (let r = 0; r < column.length; r += 2) column[w++] = column[r]!;
      column.length = w;
    };
    keep(this.ticks);
    this.parts.forEach(keep);
    this.stride *= 2;
  }

  private data(): uPlot.AlignedData {
    const sums: number[][] = [];
    let below: number[] = this.ticks.map(() => 0);
    for (const column of this.parts) {
      below = column.map((v, i) => v + below[i]!);
      sums.push(below);
    }
    return [this.ticks, ...sums.reverse()];
  }
}
