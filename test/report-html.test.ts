// HTML reports: self-contained (uPlot inlined), data embedded as JSON with
// every series the charts draw, and the page renders in a real browser.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { renderRunReport, renderSweepReport } from "../src/report/html.js";
import type { ReportData } from "../src/report/html.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { loadScenario } from "../src/workload/load.js";

const { scenario } = loadScenario(new URL("./fixtures/tiny.json", import.meta.url).pathname);
const compiled = compileScenario(scenario);
const result = runScenario(createEngine({ ...compiled.engineOptions, engine: "ts" }), compiled,
  { sampleEvery: 5 });
const html = renderRunReport({
  title: "stacklab: tiny", scenario: "tiny", engine: "ts", samples: result.samples,
  stats: result.stats, peak: result.peak, meanStackInuse: result.meanStackInuse,
  lifecycles: result.lifecycles, operations: result.operations, seconds: 0.5,
});

function embedded(page: string): ReportData {
  const m = /<script type="application\/json" id="stacklab-data">([\s\S]*?)<\/script>/.exec(page);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as ReportData;
}

describe("HTML report", () => {
  it("is self-contained: uPlot script and css inlined, nothing fetched", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain(".uplot");
    expect(html).toMatch(/var uPlot\s*=/);
  });

  it("embeds the stacked StackInuse layers and the traffic and free-G series", () => {
    const data = embedded(html);
    const chart = (id: string) => data.charts.find((c) => c.id === id)!;
    expect(chart("stackinuse").series.map((s) => s.name)).toEqual([
      "live G stacks", "dead G stacks", "P stack caches", "pool free", "large-stack cache",
      "raw stacks"]);
    expect(chart("traffic").series.map((s) => s.name)).toEqual([
      "grow copies", "shrink copies", "span allocs", "span frees"]);
    expect(chart("gfree").series.map((s) => s.name)).toContain("global free Gs with stack");
    const layers = chart("stackinuse");
    expect(layers.ticks.length).toBe(result.samples.length);
    // The top layer is the sum of all layers: StackInuse itself.
    expect(layers.series.at(-1)!.values).toEqual(result.samples.map((s) => s.stackInuse));
    const grow = chart("traffic").series[0]!.values.reduce((a, b) => a + b, 0);
    expect(grow).toBe(result.stats.growCopies);
    expect(html).toContain("at peak (tick");
  });

  it("puts sweep configurations side by side", () => {
    const column = (label: string) => ({ label, stats: result.stats, peak: result.peak,
      meanStackInuse: result.meanStackInuse, lifecycles: result.lifecycles,
      operations: result.operations, seconds: 1, samples: result.samples });
    const page = renderSweepReport("sweep", [column("procs=1"), column("procs=8")]);
    const data = embedded(page);
    expect(data.kind).toBe("sweep");
    expect(data.charts[0]!.series.map((s) => s.name)).toEqual(["procs=1", "procs=8"]);
    expect(page).toContain("<td>procs=8</td>");
  });

  it.skipIf(!existsSync("/usr/bin/chromium"))("renders its charts in Chromium", async () => {
    const { chromium } = await import("playwright-core");
    const path = join(mkdtempSync(join(tmpdir(), "stacklab-report-")), "r.html");
    writeFileSync(path, html);
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`file://${path}`);
      await page.waitForSelector("#chart-stackinuse canvas");
      expect(await page.locator("canvas").count()).toBe(4);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
