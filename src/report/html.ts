// HTML reports: one self-contained file per run or sweep. uPlot's script and
// stylesheet are read from node_modules when the report is generated and
// inlined, so the file opens anywhere without network access. The data sits
// in a JSON script element (id "stacklab-data") that the charts read and
// that tests can parse.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { STACK_INUSE_PARTS, STATS_FIELDS } from "../types.js";
import type { Bytes, EngineKind, Stats } from "../types.js";
import type { Sample } from "../workload/types.js";

/** One chart: named series over the sample ticks. */
export interface ReportChart {
  id: string;
  title: string;
  /** "bytes" formats the y axis in KiB/MiB; "count" as plain numbers. */
  unit: "bytes" | "count";
  /** Fill each series down to zero (stacked areas, pre-summed). */
  stacked: boolean;
  /** x values (ticks). */
  ticks: number[];
  series: { name: string; values: number[] }[];
}

/** The JSON embedded in a report. */
export interface ReportData {
  kind: "run" | "sweep";
  title: string;
  charts: ReportChart[];
}

/** What a report shows of one run, whether alone or in a sweep. */
export interface ReportedRun {
  samples: Sample[];
  stats: Stats;
  peak: Sample;
  meanStackInuse: Bytes;
  lifecycles: number;
  operations: number;
  seconds: number;
}

/** Inputs of renderRunReport. */
export interface RunReportInput extends ReportedRun {
  title: string;
  scenario: string;
  engine: EngineKind;
}

/** One column of a sweep report. */
export interface SweepReportColumn extends ReportedRun {
  label: string;
}


function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Bytes as "12,345,678 B (11.8 MiB)". */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = "";
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const whole = Math.round(bytes).toLocaleString("en-US");
  return unit === "" ? `${whole} B` : `${whole} B (${value.toFixed(1)} ${unit})`;
}

/** Per-interval differences of a cumulative counter. */
function perInterval(samples: Sample[], field: keyof Stats): number[] {
  return samples.map((s, i) => s[field] - (i === 0 ? 0 : samples[i - 1]![field]));
}

/** The charts of one run. */
export function runCharts(samples: Sample[]): ReportChart[] {
  const ticks = samples.map((s) => s.tick);
  // Pre-summed so that each layer is drawn from zero up to its top; the
  // chart then draws the tallest first so lower layers stay visible.
  const cumulative: { name: string; values: number[] }[] = [];
  let running = samples.map(() => 0);
  for (const layer of STACK_INUSE_PARTS) {
    running = running.map((v, i) => v + samples[i]![layer.field]);
    cumulative.push({ name: layer.label, values: running });
  }
  return [
    {
      id: "stackinuse", title: "StackInuse over time, by where the bytes sit (stacked)",
      unit: "bytes", stacked: true, ticks, series: cumulative,
    },
    {
      id: "traffic", title: "Stack copies and span traffic per sample interval",
      unit: "count", stacked: false, ticks,
      series: [
        { name: "grow copies", values: perInterval(samples, "growCopies") },
        { name: "shrink copies", values: perInterval(samples, "shrinkCopies") },
        { name: "span allocs", values: perInterval(samples, "spanAllocs") },
        { name: "span frees", values: perInterval(samples, "spanFrees") },
      ],
    },
    {
      id: "gfree", title: "Free-G list lengths", unit: "count", stacked: false, ticks,
      series: [
        { name: "per-P free Gs", values: samples.map((s) => s.gfreeLocal) },
        { name: "global free Gs with stack", values: samples.map((s) => s.gfreeGlobalStack) },
        { name: "global free Gs without stack", values: samples.map((s) => s.gfreeGlobalNoStack) },
      ],
    },
    {
      id: "live", title: "Live goroutines", unit: "count", stacked: false, ticks,
      series: [{ name: "live goroutines", values: samples.map((s) => s.liveGoroutines) }],
    },
  ];
}

function statsRows(columns: { label: string; stats: Stats }[]): string {
  const labels = columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join("");
  const header = `<tr><th>field</th>${labels}</tr>`;
  const rows = STATS_FIELDS.map((field) => {
    const bytes = /Bytes$|^stackInuse$|^startingStackSize$/.test(field);
    const cells = columns.map((c) => {
      const v = c.stats[field];
      return `<td>${escapeHtml(bytes ? formatBytes(v) : v.toLocaleString("en-US"))}</td>`;
    });
    return `<tr><td>${field}</td>${cells.join("")}</tr>`;
  });
  return `<table>${header}${rows.join("")}</table>`;
}

const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.chart { margin: 12px 0 24px; }
`;

/** Client side: draws every chart of the embedded data with uPlot. */
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("stacklab-data").textContent);
  var colors = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6",
    "#dd4477", "#66aa00", "#b82e2e", "#316395"];
  function fmt(unit) {
    return function (u, v) {
      if (v == null) return "";
      if (unit !== "bytes") return v.toLocaleString();
      var k = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
      while (Math.abs(v) >= 1024 && i < k.length - 1) { v /= 1024; i++; }
      return (Math.round(v * 10) / 10) + " " + k[i];
    };
  }
  data.charts.forEach(function (chart) {
    var holder = document.getElementById("chart-" + chart.id);
    var order = chart.series.map(function (s, i) { return i; });
    if (chart.stacked) order.reverse();
    var series = [{ label: "tick" }];
    var columns = [chart.ticks];
    order.forEach(function (i) {
      var s = chart.series[i], color = colors[i % colors.length];
      series.push({ label: s.name, stroke: color, width: 1,
        fill: chart.stacked ? color : undefined, value: fmt(chart.unit) });
      columns.push(s.values);
    });
    new uPlot({
      title: chart.title, width: Math.min(1100, window.innerWidth - 60), height: 320,
      scales: { x: { time: false } }, series: series,
      axes: [{ label: "tick" }, { size: 80, values: function (u, vs) {
        return vs.map(function (v) { return fmt(chart.unit)(u, v); }); } }]
    }, columns, holder);
  });
})();
`;

function uplotAssets(): { script: string; css: string } {
  const require = createRequire(import.meta.url);
  return {
    script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
}

/** JSON that is safe inside a script element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function page(title: string, body: string, data: ReportData): string {
  const { script, css } = uplotAssets();
  const charts = data.charts.map((c) => `<div class="chart" id="chart-${c.id}"></div>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
<h2>Charts</h2>
${charts}
<script type="application/json" id="stacklab-data">${embedJson(data)}</script>
<script>${script.replace(/<\/script/gi, "<\\/script")}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

/** A self-contained HTML report of one run. */
export function renderRunReport(input: RunReportInput): string {
  const rate = input.seconds > 0 ? Math.round(input.lifecycles / input.seconds) : 0;
  const summary = `<p>Scenario <b>${escapeHtml(input.scenario)}</b> on the
<b>${input.engine}</b> engine: ${input.lifecycles.toLocaleString("en-US")} goroutine
lifecycles, ${input.operations.toLocaleString("en-US")} operations in
${input.seconds.toFixed(2)} s (${rate.toLocaleString("en-US")} lifecycles/s).
StackInuse peak ${escapeHtml(formatBytes(input.peak.stackInuse))} at tick ${input.peak.tick},
mean ${escapeHtml(formatBytes(input.meanStackInuse))}.</p>
<h2>Summary</h2>
${statsRows([{ label: "at end", stats: input.stats },
  { label: `at peak (tick ${input.peak.tick})`, stats: input.peak }])}`;
  return page(input.title, summary, { kind: "run", title: input.title,
    charts: runCharts(input.samples) });
}

/** A self-contained HTML report of a sweep, configurations side by side. */
export function renderSweepReport(title: string, columns: SweepReportColumn[]): string {
  const head = `<tr><th>configuration</th><th>StackInuse peak</th><th>StackInuse mean</th>
<th>grow copies</th><th>shrink copies</th><th>span allocs</th><th>span frees</th>
<th>lifecycles</th><th>seconds</th></tr>`;
  const rows = columns.map((c) => `<tr><td>${escapeHtml(c.label)}</td>
<td>${escapeHtml(formatBytes(c.peak.stackInuse))}</td>
<td>${escapeHtml(formatBytes(c.meanStackInuse))}</td>
<td>${c.stats.growCopies}</td><td>${c.stats.shrinkCopies}</td><td>${c.stats.spanAllocs}</td>
<td>${c.stats.spanFrees}</td><td>${c.lifecycles}</td><td>${c.seconds.toFixed(2)}</td></tr>`);
  const body = `<h2>Configurations</h2><table>${head}${rows.join("")}</table>
<h2>Final stats side by side</h2>
${statsRows(columns.map((c) => ({ label: c.label, stats: c.stats })))}`;
  const longest = columns.reduce((best, c) => (c.samples.length > best.samples.length ? c : best),
    columns[0]!);
  const ticks = longest.samples.map((s) => s.tick);
  const over = (field: keyof Stats): ReportChart["series"] => columns.map((c) => ({
    name: c.label, values: ticks.map((_, i) => c.samples[i]?.[field] ?? 0),
  }));
  const charts: ReportChart[] = [
    { id: "stackinuse", title: "StackInuse over time per configuration", unit: "bytes",
      stacked: false, ticks, series: over("stackInuse") },
    { id: "live", title: "Live G stack bytes per configuration", unit: "bytes",
      stacked: false, ticks, series: over("liveStackBytes") },
    { id: "copies", title: "Grow copies (cumulative) per configuration", unit: "count",
      stacked: false, ticks, series: over("growCopies") },
  ];
  return page(title, body, { kind: "sweep", title, charts });
}
