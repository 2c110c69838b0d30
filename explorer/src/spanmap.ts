// The span map: every span in manual state as a cell, one grid per stack
// order and one for large spans, then the arena as a strip with its free
// runs. A pool span's colour goes from blue (every stack handed out) to
// yellow (every stack back on the span); large spans are purple in use and
// red in the large-stack cache. Hovering a cell names the span.

import { PAGE_BYTES } from "../../src/profiles.js";
import { formatBytes } from "./chart.js";
import type { SpanCells, View } from "./protocol.js";
import { SPAN_PLACES } from "./protocol.js";

/** Cell sizes tried, largest first; the first that keeps the grids low wins. */
const CELL_SIZES_PX = [9, 6, 4, 3];
const GAP_PX = 1;
/** Grid height the cell size aims to stay under, pixels. */
const TARGET_GRID_PX = 640;
const LABEL_PX = 16;
const SECTION_GAP_PX = 6;
const STRIP_PX = 16;
const FONT = "11px system-ui, sans-serif";

const BUSY_RGB = [59, 110, 168] as const;
const FREE_RGB = [242, 209, 107] as const;
const LARGE_IN_USE = "#8e6bbf";
const LARGE_CACHED = "#d4573b";
const HEAP_USED = "#56606b";
const HEAP_FREE = "#e4e7eb";
const TEXT = "#222";

/** Where one section's grid sits on the canvas. */
interface SectionBox {
  index: number;
  top: number;
  columns: number;
  cells: SpanCells;
  cellPx: number;
}

/** Cells drawn by the last paint, and whether any section was capped. */
export interface SpanMapCounts {
  cells: number;
  spans: number;
  capped: boolean;
}

function mix(f: number): string {
  const c = BUSY_RGB.map((b, i) => Math.round(b + (FREE_RGB[i]! - b) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function hex(address: number): string {
  return `0x${address.toString(16)}`;
}

/** Draws views of one engine into a canvas and answers hovers. */
export class SpanMap {
  private readonly context: CanvasRenderingContext2D;
  private boxes: SectionBox[] = [];
  private view: View | undefined;
  counts: SpanMapCounts = { cells: 0, spans: 0, capped: false };

  constructor(private readonly canvas: HTMLCanvasElement,
    private readonly tip: HTMLElement) {
    this.context = canvas.getContext("2d")!;
    canvas.addEventListener("mousemove", (e) => this.hover(e));
    canvas.addEventListener("mouseleave", () => { this.tip.hidden = true; });
  }

  draw(view: View): void {
    this.view = view;
    const width = Math.max(this.canvas.parentElement!.clientWidth, 240);
    const gridPx = (cellPx: number): number => {
      const columns = Math.max(1, Math.floor(width / (cellPx + GAP_PX)));
      return view.sections.reduce((sum, cells) =>
        sum + Math.ceil(cells.base.length / columns) * (cellPx + GAP_PX), 0);
    };
    const cellPx = CELL_SIZES_PX.find((px) => gridPx(px) <= TARGET_GRID_PX)
      ?? CELL_SIZES_PX[CELL_SIZES_PX.length - 1]!;
    const pitch = cellPx + GAP_PX;
    const columns = Math.max(1, Math.floor(width / pitch));
    const boxes: SectionBox[] = [];
    let top = 0;
    view.sections.forEach((cells, index) => {
      const rows = Math.ceil(cells.base.length / columns);
      boxes.push({ index, top: top + LABEL_PX, columns, cells, cellPx });
      top += LABEL_PX + rows * pitch + SECTION_GAP_PX;
    });
    const stripTop = top + LABEL_PX;
    const height = stripTop + STRIP_PX + 2;

    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const g = this.context;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = FONT;
    g.textBaseline = "bottom";

    let cellsDrawn = 0;
    let spans = 0;
    let capped = false;
    for (const box of boxes) {
      const { cells } = box;
      spans += cells.total;
      cellsDrawn += cells.base.length;
      if (cells.base.length < cells.total) capped = true;
      g.fillStyle = TEXT;
      g.fillText(this.sectionLabel(box.index, cells), 0, box.top - 2);
      for (let i = 0; i < cells.base.length; i++) {
        g.fillStyle = this.cellColor(box.index, cells, i);
        g.fillRect((i % box.columns) * pitch, box.top + Math.floor(i / box.columns) * pitch,
          cellPx, cellPx);
      }
    }
    this.boxes = boxes;
    this.counts = { cells: cellsDrawn, spans, capped };
    this.drawHeap(view, stripTop, width);
  }

  private stacksPerSpan(order: number, pages: number): number {
    const bytes = this.view?.orderBytes[order];
    return bytes === undefined ? 0 : (pages * PAGE_BYTES) / bytes;
  }

  private sectionLabel(index: number, cells: SpanCells): string {
    const view = this.view!;
    const shown = cells.base.length < cells.total
      ? ` (capped: showing ${cells.base.length} of ${cells.total})` : "";
    if (index < view.orderBytes.length) {
      return `order ${index}: ${formatBytes(view.orderBytes[index]!)} stacks, ` +
        `${cells.total} spans${shown}`;
    }
    let cached = 0;
    for (const p of cells.place) if (SPAN_PLACES[p] === "stackLarge") cached++;
    return `large stacks: ${cells.total} spans, ${cached} in the large cache${shown}`;
  }

  private cellColor(index: number, cells: SpanCells, i: number): string {
    const place = SPAN_PLACES[cells.place[i]!];
    if (index >= this.view!.orderBytes.length) {
      return place === "stackLarge" ? LARGE_CACHED : LARGE_IN_USE;
    }
    const total = this.stacksPerSpan(index, cells.pages[i]!);
    return mix(total === 0 ? 0 : cells.free[i]! / total);
  }

  private drawHeap(view: View, top: number, width: number): void {
    const g = this.context;
    const capped = view.freeRunStart.length < view.freeRunTotal
      ? ` (capped: showing ${view.freeRunStart.length})` : "";
    g.fillStyle = TEXT;
    g.fillText(`heap: ${view.heapPages} pages mapped, ${view.freeRunTotal} free runs` +
      capped, 0, top - 2);
    g.fillStyle = HEAP_USED;
    g.fillRect(0, top, width, STRIP_PX);
    if (view.heapPages === 0) return;
    const scale = width / view.heapPages;
    g.fillStyle = HEAP_FREE;
    for (let i = 0; i < view.freeRunStart.length; i++) {
      const x = view.freeRunStart[i]! * scale;
      g.fillRect(x, top, Math.max(view.freeRunPages[i]! * scale, 1), STRIP_PX);
    }
  }

  private hover(event: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const text = this.describeAt(x, y);
    if (text === undefined) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = text;
    this.tip.hidden = false;
    this.tip.style.left = `${event.pageX + 12}px`;
    this.tip.style.top = `${event.pageY + 12}px`;
  }

  /** The description of the span under canvas point (x, y), if any. */
  describeAt(x: number, y: number): string | undefined {
    const view = this.view;
    if (view === undefined) return undefined;
    for (const box of this.boxes) {
      const pitch = box.cellPx + GAP_PX;
      const row = Math.floor((y - box.top) / pitch);
      if (y < box.top || (y - box.top) % pitch >= box.cellPx || x % pitch >= box.cellPx) {
        continue;
      }
      const column = Math.floor(x / pitch);
      const i = row * box.columns + column;
      if (column >= box.columns || i >= box.cells.base.length) continue;
      const c = box.cells;
      const pages = c.pages[i]!;
      const place = SPAN_PLACES[c.place[i]!]!;
      if (box.index >= view.orderBytes.length) {
        return `${hex(c.base[i]!)}  large span, ${pages} pages ` +
          `(${formatBytes(pages * PAGE_BYTES)}), ${place}`;
      }
      return `${hex(c.base[i]!)}  order ${box.index} ` +
        `(${formatBytes(view.orderBytes[box.index]!)}), ${pages} pages, ` +
        `allocCount ${c.allocCount[i]} of ${this.stacksPerSpan(box.index, pages)}, ` +
        `${c.free[i]} free on the span, ${place}`;
    }
    return undefined;
  }
}
