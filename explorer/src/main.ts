// The explorer page: picks a scenario, runs it under two policies in two
// workers that are sent one target tick (so they step together), and draws
// what each reports. Time is owned here: play raises the target at the
// chosen speed, pause holds it at the furthest tick either side reported
// (the other catches up), step raises it by the step size.

import "uplot/dist/uPlot.min.css";
import "./style.css";
import wasmUrl from "../../build/release.wasm?url";
import { validateScenario } from "../../src/workload/scenario.js";
import type { Scenario } from "../../src/workload/types.js";
import { StackChart } from "./chart.js";
import { renderCounters, renderProcs } from "./panels.js";
import type { PageMessage, View, WorkerMessage } from "./protocol.js";
import { UNLIMITED_TICKS } from "./protocol.js";
import { SpanMap } from "./spanmap.js";

/** Span cells a view carries per order (and for large spans). */
const MAX_CELLS_PER_SECTION = 3000;
/** How far ahead of the furthest side the target may run, in seconds. */
const LEAD_SECONDS = 0.5;
const SIDE_COUNT = 2;

/** What the tests read: the latest state of each side as drawn. */
interface SideDebug {
  tick: number;
  progress: number;
  done: boolean;
  error: string | undefined;
  view: View | undefined;
  chartPoints: number;
  cells: number;
  spans: number;
  capped: boolean;
  scenario: string;
  policy: string;
}
declare global {
  interface Window {
    __stacklab: { ready: boolean; playing: boolean; sides: SideDebug[] };
  }
}

const builtins = import.meta.glob<string>("../../scenarios/*.json",
  { query: "?raw", import: "default", eager: true });

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** One engine's column on the page. */
class Side {
  private worker: Worker | undefined;
  private chart: StackChart | undefined;
  private readonly map: SpanMap;
  private view: View | undefined;
  private viewDirty = false;
  private stackCacheBytes = 0;
  /** The last target sent to the worker, to send only changes. */
  private sentTarget = { tick: 0, paused: true };
  totalTicks = 0;
  readonly debug: SideDebug = { tick: 0, progress: 0, done: false, error: undefined,
    view: undefined, chartPoints: 0, cells: 0, spans: 0, capped: false,
    scenario: "", policy: "" };

  constructor(private readonly root: HTMLElement, tip: HTMLElement) {
    this.map = new SpanMap(this.part<HTMLCanvasElement>("canvas"), tip);
  }

  get policyText(): string {
    return this.part<HTMLInputElement>(".policy").value;
  }

  /** Starts a worker on the scenario; it holds at tick 0 until a target comes. */
  start(scenario: Scenario, module: WebAssembly.Module): void {
    this.stop();
    Object.assign(this.debug, { tick: 0, progress: 0, done: false, error: undefined,
      view: undefined, chartPoints: 0, scenario: scenario.name, policy: this.policyText });
    this.view = undefined;
    this.part(".status").textContent = "starting";
    this.chart = new StackChart(this.part(".chart"),
      `StackInuse by part, ${this.root.dataset.label}`, "stacklab");
    this.sentTarget = { tick: 0, paused: true };
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    // A message a stopped worker posted before it ended is not this run's.
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      if (worker === this.worker) this.receive(e.data);
    };
    this.worker = worker;
    this.post({ type: "start", scenario, module, maxCellsPerSection: MAX_CELLS_PER_SECTION });
  }

  /** Lets the worker run until `tick` ticks are done. */
  setTarget(tick: number, paused: boolean): void {
    if (tick === this.sentTarget.tick && paused === this.sentTarget.paused) return;
    this.sentTarget = { tick, paused };
    this.post({ type: "target", tick, paused });
  }

  private post(message: PageMessage): void {
    this.worker?.postMessage(message);
  }

  stop(): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.chart?.destroy();
    this.chart = undefined;
  }

  fail(message: string): void {
    this.stop();
    this.debug.error = message;
    this.part(".status").textContent = message;
  }

  /** The largest StackInuse charted, bytes. */
  get chartTop(): number {
    return this.chart?.top ?? 0;
  }

  shareChartTop(bytes: number): void {
    this.chart?.shareTop(bytes);
  }

  /** Draws what arrived since the last frame. */
  paint(): void {
    this.chart?.flush();
    this.debug.chartPoints = this.chart?.points ?? 0;
    if (!this.viewDirty || this.view === undefined) return;
    this.viewDirty = false;
    const view = this.view;
    this.map.draw(view);
    Object.assign(this.debug, { view, tick: view.tick, ...this.map.counts });
    renderCounters(this.part(".counters"), view);
    renderProcs(this.part(".procs"), view, this.stackCacheBytes);
    this.renderStatus();
  }

  resize(): void {
    this.chart?.resize();
    if (this.view !== undefined) this.viewDirty = true;
  }

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case "ready":
        this.totalTicks = message.totalTicks;
        this.stackCacheBytes = message.stackCacheBytes;
        break;
      case "samples":
        this.chart?.add(message.rows);
        break;
      case "progress":
        this.debug.progress = message.tick;
        break;
      case "view":
        this.view = message.view;
        this.viewDirty = true;
        break;
      case "done":
        this.debug.done = true;
        this.renderStatus();
        break;
      case "error":
        this.debug.error = message.message;
        this.part(".status").textContent = `stopped: ${message.message}`;
        break;
    }
  }

  private renderStatus(): void {
    const view = this.view;
    if (view === undefined || this.debug.error !== undefined) return;
    const capped = this.map.counts.capped ? "; span map capped" : "";
    this.part(".status").textContent = `tick ${view.tick} of ${this.totalTicks}` +
      `${this.debug.done ? " (done)" : ""}; snapshot ${view.costMs.toFixed(1)} ms${capped}`;
  }

  private part<T extends HTMLElement>(selector: string): T {
    return this.root.querySelector(selector) as T;
  }
}

/** The page: scenario choice, playback and the two sides. */
class Explorer {
  private readonly sides: Side[];
  private module: WebAssembly.Module | undefined;
  private playing = false;
  private targetTicks = 0;
  private targetExact = 0;
  private lastFrame = performance.now();
  private fileText: { name: string; text: string } | undefined;

  constructor() {
    const tip = byId("tip");
    this.sides = Array.from({ length: SIDE_COUNT },
      (_, i) => new Side(byId(`side${i}`), tip));
    window.__stacklab = { ready: false, playing: false, sides: this.sides.map((s) => s.debug) };
  }

  async init(): Promise<void> {
    const select = byId<HTMLSelectElement>("scenario");
    for (const path of Object.keys(builtins).sort()) {
      const name = path.replace(/^.*\//, "").replace(/\.json$/, "");
      select.add(new Option(name, path, false, name === "rpc-churn"));
    }
    select.onchange = () => this.restart();
    byId<HTMLInputElement>("file").onchange = (e) => void this.loadFile(e);
    byId("restart").onclick = () => this.restart();
    byId("play").onclick = () => this.setPlaying(!this.playing);
    byId("step").onclick = () => this.step();
    for (const side of document.querySelectorAll<HTMLInputElement>(".policy")) {
      side.onchange = () => this.restart();
    }
    window.addEventListener("resize", () => this.sides.forEach((s) => s.resize()));

    this.module = await compileCore();
    this.restart();
    requestAnimationFrame((t) => this.frame(t));
    window.__stacklab.ready = true;
  }

  private async loadFile(event: Event): Promise<void> {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    this.fileText = { name: file.name, text: await file.text() };
    const select = byId<HTMLSelectElement>("scenario");
    const option = new Option(`file: ${file.name}`, "file:", false, true);
    select.querySelector('option[value="file:"]')?.remove();
    select.add(option);
    this.restart();
  }

  private sourceText(): { name: string; text: string } {
    const path = byId<HTMLSelectElement>("scenario").value;
    if (path === "file:" && this.fileText !== undefined) return this.fileText;
    return { name: path.replace(/^.*\//, ""), text: builtins[path] ?? "{}" };
  }

  /** Stops both sides and starts the chosen scenario from tick 0, paused. */
  restart(): void {
    if (this.module === undefined) return;
    this.setPlaying(false);
    this.targetTicks = 0;
    this.targetExact = 0;
    const { name, text } = this.sourceText();
    let description = "";
    this.sides.forEach((side) => {
      try {
        const scenario = withPolicy(text, name, side.policyText);
        description = scenario.description;
        side.start(scenario, this.module!);
      } catch (error) {
        side.fail(error instanceof Error ? error.message : String(error));
      }
    });
    byId("description").textContent = description;
    this.status("paused at tick 0: press Play or Step");
  }

  private setPlaying(playing: boolean): void {
    this.playing = playing;
    window.__stacklab.playing = playing;
    byId("play").textContent = playing ? "Pause" : "Play";
    if (playing) {
      this.targetExact = this.targetTicks;
    } else {
      // Lowered from wherever play left it (unlimited at the fastest speed).
      this.targetTicks = 0;
      this.setTarget(this.furthest());
    }
    this.status(playing ? "playing" : "paused");
  }

  private step(): void {
    if (this.playing) this.setPlaying(false);
    const size = Number(byId<HTMLSelectElement>("stepSize").value);
    this.setTarget(Math.max(this.targetTicks, this.furthest()) + size);
  }

  /** Ticks completed by the side that is furthest ahead, as last reported. */
  private furthest(): number {
    return Math.max(0, ...this.sides.map((side) => side.debug.progress));
  }

  /** Raises the target (never lowers it) and sends it to both sides. */
  private setTarget(ticks: number): void {
    if (this.module === undefined) return;
    const target = Math.min(Math.max(ticks, this.targetTicks), UNLIMITED_TICKS);
    this.targetTicks = target;
    this.sides.forEach((side) => side.setTarget(target, !this.playing));
  }

  private frame(now: number): void {
    const seconds = Math.min((now - this.lastFrame) / 1000, 1);
    this.lastFrame = now;
    const furthest = this.furthest();
    if (this.playing) {
      const speed = Number(byId<HTMLSelectElement>("speed").value);
      if (speed === 0) {
        this.setTarget(UNLIMITED_TICKS);
      } else {
        this.targetExact = Math.min(this.targetExact + speed * seconds,
          furthest + speed * LEAD_SECONDS + 1);
        this.setTarget(Math.floor(this.targetExact));
      }
      if (this.sides.every((s) => s.debug.done || s.debug.error !== undefined)) {
        this.setPlaying(false);
      }
    } else {
      // Holding: the side behind catches up with the one ahead.
      this.setTarget(furthest);
    }
    const top = Math.max(...this.sides.map((side) => side.chartTop));
    this.sides.forEach((side) => {
      side.shareChartTop(top);
      side.paint();
    });
    requestAnimationFrame((t) => this.frame(t));
  }

  private status(text: string): void {
    byId("status").textContent = text;
  }
}

/** The scenario with a side's policy JSON merged into engine.policy. */
function withPolicy(text: string, name: string, policyText: string): Scenario {
  const value = JSON.parse(text) as { engine?: { policy?: object } };
  const policy = policyText.trim() === "" ? {} : JSON.parse(policyText) as object;
  value.engine = { ...value.engine, policy: { ...value.engine?.policy, ...policy } };
  return validateScenario(value, name);
}

/** Compiles the core; falls back to bytes when the server's MIME is not wasm. */
async function compileCore(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch {
    const response = await fetch(wasmUrl);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

void new Explorer().init();
