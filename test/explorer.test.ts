// The explorer end to end in headless Chromium: the page runs a scenario
// under two policies in step, and what it draws (chart, span map, counters)
// agrees with the engine's stats, which agree exactly with the same run in
// Node. The static build also runs from a bare file server that sends no
// cross-origin isolation headers. Also the embedding check: the release
// .wasm loaded by a plain page and driven through its raw exports gives the
// stats the engine gives.
// STACKLAB_SCREENSHOT=1 rewrites docs/explorer.png from this run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createEngine } from "../src/engine.js";
import { startExplorer } from "../src/explore.js";
import type { ExplorerServer } from "../src/explore.js";
import { resolveConfig } from "../src/profiles.js";
import type { Stats } from "../src/types.js";
import { STATS_FIELDS } from "../src/types.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { validateScenario } from "../src/workload/scenario.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`explorer tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}

const ROOT = new URL("../", import.meta.url);
const SCENARIO = "rpc-churn";
const POLICY_B = { keepGrownStackBytes: 131072 };
/** Ticks both sides run before the test pauses them. */
const MIN_TICKS = 150;

/** What window.__stacklab holds per side (the fields the test reads). */
interface SideDebug {
  tick: number;
  progress: number;
  done: boolean;
  error: string | undefined;
  chartPoints: number;
  cells: number;
  spans: number;
  capped: boolean;
  view: {
    tick: number;
    stats: Stats;
    sums: Record<"spanBytes" | "poolFreeBytes" | "largeCacheBytes" | "pCacheBytes"
      | "deadGStackBytes", number>;
  } | undefined;
}

/** The stats after `ticks` ticks of the built-in scenario, run in Node. */
function statsAfter(policy: object, ticks: number): Stats {
  const text = readFileSync(new URL(`scenarios/${SCENARIO}.json`, ROOT), "utf8");
  const value = JSON.parse(text) as { engine: { policy?: object } };
  value.engine.policy = { ...value.engine.policy, ...policy };
  const compiled = compileScenario(validateScenario(value, SCENARIO));
  const engine = createEngine({ ...compiled.engineOptions, engine: "wasm" });
  const reached = new Error("reached");
  try {
    runScenario(engine, compiled, { onTick: (done) => { if (done === ticks) throw reached; } });
  } catch (error) {
    if (error !== reached) throw error;
  }
  return engine.stats();
}

async function sides(page: Page): Promise<SideDebug[]> {
  return page.evaluate(() => (window as unknown as
    { __stacklab: { sides: SideDebug[] } }).__stacklab.sides);
}

/** Opens the page and waits until it is ready to run. */
async function openExplorer(browser: Browser, url: string): Promise<{ page: Page;
  errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1250 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as
    { __stacklab?: { ready: boolean } }).__stacklab?.ready === true);
  return { page, errors };
}

/**
 * Plays at `speed` (a #speed option) until both sides are past MIN_TICKS,
 * pauses, and waits until both hold at one tick with a view of it.
 * @returns the sides as the page holds them then.
 */
async function playThenPause(page: Page, speed: string): Promise<SideDebug[]> {
  await page.selectOption("#speed", speed);
  await page.click("#play");
  await page.waitForFunction((min) => (window as unknown as { __stacklab:
    { sides: { progress: number }[] } }).__stacklab.sides.every((s) => s.progress >= min),
  MIN_TICKS, { timeout: 20_000 });
  await page.click("#play");
  await page.waitForFunction(() => {
    const s = (window as unknown as { __stacklab: { sides: SideDebug[] } }).__stacklab.sides;
    return s[0]!.view !== undefined && s.every((x) => x.tick === s[0]!.tick
      && x.progress === x.tick && x.view?.tick === x.tick);
  }, undefined, { timeout: 10_000 });
  // Nothing moves once held.
  await page.waitForTimeout(300);
  return sides(page);
}

/** Waits until both sides draw a view of tick `tick`. */
async function waitForTick(page: Page, tick: number): Promise<void> {
  await page.waitForFunction((next) => (window as unknown as { __stacklab:
    { sides: SideDebug[] } }).__stacklab.sides.every((s) => s.view?.tick === next),
  tick, { timeout: 10_000 });
}

/** Types a bare static file server gives (no .wasm type, on purpose). */
const BARE_TYPES: Record<string, string> = {
  ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
};

/**
 * A bare static file server for a directory: GET only, a content type for
 * HTML, JavaScript and CSS, nothing else (no cross-origin isolation, and
 * .wasm as application/octet-stream, as some servers send it).
 */
async function startBareServer(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    readFile(file).then((body) => {
      response.writeHead(200, { "Content-Type":
        BARE_TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    }, () => {
      response.writeHead(404);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe.skipIf(!HAVE_CHROMIUM)("explorer in Chromium", () => {
  let browser: Browser;
  let server: ExplorerServer;

  beforeAll(async () => {
    if (!existsSync(new URL("build/explorer/index.html", ROOT))) {
      execFileSync("npm", ["run", "build:explorer"], { cwd: ROOT, stdio: "ignore" });
    }
    server = await startExplorer({ port: 0, host: "127.0.0.1" });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("serves the page, the bundle and the core with the right types", async () => {
    const page = await fetch(server.url);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    // The page needs no cross-origin isolation, so none is asked for.
    expect(page.headers.get("cross-origin-embedder-policy")).toBeNull();
    const wasm = await fetch(new URL("release.wasm", server.url));
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer()))).toBe(true);
    expect((await fetch(new URL("..%2f..%2fpackage.json", server.url))).status).toBe(404);
    expect((await fetch(new URL("nothing-here.js", server.url))).status).toBe(404);
  });

  it("runs two policies in step and draws what the engine reports", async () => {
    const { page, errors } = await openExplorer(browser, server.url);
    expect(await page.locator("#scenario").inputValue()).toContain(SCENARIO);

    // Play at 200 ticks/s past MIN_TICKS, then pause: both settle on one tick.
    const [a, b] = await playThenPause(page, "200");
    const ticks = a!.tick;
    expect(b!.tick).toBe(ticks);
    expect(ticks).toBeGreaterThanOrEqual(MIN_TICKS);

    for (const [side, policy] of [[a!, {}], [b!, POLICY_B]] as const) {
      const view = side.view!;
      expect(side.error).toBeUndefined();
      // The same run in Node reaches exactly the same state.
      expect(view.stats).toEqual(statsAfter(policy, ticks));
      // The chart holds a point per tick so far (no thinning yet).
      expect(side.chartPoints).toBe(ticks);
      // Every span is drawn, and the drawn spans account for every byte.
      expect(side.capped).toBe(false);
      expect(side.cells).toBe(side.spans);
      expect(side.cells).toBeGreaterThan(0);
      expect(view.sums.spanBytes).toBe(view.stats.stackInuse);
      expect(view.sums.poolFreeBytes).toBe(view.stats.poolFreeBytes);
      expect(view.sums.largeCacheBytes).toBe(view.stats.largeCacheBytes);
      expect(view.sums.pCacheBytes).toBe(view.stats.pCacheBytes);
      expect(view.sums.deadGStackBytes).toBe(view.stats.deadGStackBytes);
    }
    // Keeping grown stacks on dead Gs saves copies on this workload.
    expect(b!.view!.stats.growCopies).toBeLessThan(a!.view!.stats.growCopies);

    // The counters on the page show those stats.
    for (const [index, side] of [a!, b!].entries()) {
      for (const field of ["growCopies", "spanAllocs", "spanFrees", "cacheRefills"] as const) {
        const shown = await page.locator(`#side${index} dd[data-field="${field}"]`)
          .getAttribute("data-value");
        expect(Number(shown)).toBe(side.view!.stats[field]);
      }
    }

    // Hovering the first span cell names the span.
    const box = (await page.locator("#side0 .map canvas").boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + 17);
    const tip = await page.locator("#tip").textContent();
    expect(tip).toMatch(/^0xc0[0-9a-f]+ +order 0 .*allocCount \d+ of \d+/);
    await page.mouse.move(0, 0);

    // Step: both sides advance one tick together.
    await page.click("#step");
    await waitForTick(page, ticks + 1);

    // docs/explorer.png is rewritten only on request (or when missing), so
    // that an ordinary test run leaves the committed image alone.
    const shot = new URL("docs/explorer.png", ROOT);
    const update = process.env.STACKLAB_SCREENSHOT === "1" || !existsSync(shot);
    await page.screenshot({ path: update ? shot.pathname
      : join(mkdtempSync(join(tmpdir(), "stacklab-explorer-")), "explorer.png") });

    // A scenario file with a bad field is refused on both sides, by path.
    await page.setInputFiles("#file", { name: "bad.json", mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ phases: [{ durationTicks: 0 }] })) });
    await page.waitForFunction(() => (window as unknown as { __stacklab:
      { sides: SideDebug[] } }).__stacklab.sides.every((s) => s.error !== undefined));
    const refusal = await page.locator("#side1 .status").textContent();
    expect(refusal).toMatch(/^bad\.json: phases\[0\]\.arrivals: /);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs from a bare static file server, without cross-origin isolation", async () => {
    const bare = await startBareServer(fileURLToPath(new URL("build/explorer/", ROOT)));
    try {
      const { page, errors } = await openExplorer(browser, bare.url);
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(false);
      // At 1000 ticks/s the pause lands wherever the workers have got to,
      // well before the scenario's last tick, so that steps can follow.
      const [a, b] = await playThenPause(page, "1000");
      const ticks = a!.tick;
      expect(b!.tick).toBe(ticks);
      expect(ticks).toBeGreaterThanOrEqual(MIN_TICKS);
      expect(a!.done || b!.done).toBe(false);
      expect(a!.view!.stats).toEqual(statsAfter({}, ticks));
      expect(b!.view!.stats).toEqual(statsAfter(POLICY_B, ticks));
      expect(a!.chartPoints).toBe(ticks);

      // Step 10 ticks twice while paused; both sides follow.
      await page.selectOption("#stepSize", "10");
      await page.click("#step");
      await waitForTick(page, ticks + 10);
      await page.click("#step");
      await waitForTick(page, ticks + 20);
      const [a2, b2] = await sides(page);
      expect(a2!.view!.stats).toEqual(statsAfter({}, ticks + 20));
      expect(b2!.view!.stats).toEqual(statsAfter(POLICY_B, ticks + 20));
      expect([a2!.error, b2!.error]).toEqual([undefined, undefined]);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      bare.server.closeAllConnections();
      await new Promise<void>((resolve) => bare.server.close(() => resolve()));
    }
  });

  it("embeds: a plain page runs the release .wasm through its raw exports", async () => {
    const config = resolveConfig({ procs: 1 });
    const { platform: pf, policy } = config;
    const initArgs = [pf.fixedStackBytes, policy.numStackOrders, pf.stackGuardBytes,
      pf.stackLimitBytes, pf.maxStackBytes, pf.newGStackBytes, policy.stackCacheBytes,
      policy.gfreeSpillAt, policy.gfreeKeep, policy.keepGrownStackBytes,
      config.adaptiveStackStart ? 1 : 0, config.procs, config.heapLimitBytes / 8192];

    // The same operations on the engine, in Node.
    const engine = createEngine({ engine: "wasm", procs: 1 });
    const g1 = engine.newproc(0);
    engine.use(g1, 5000);
    const g2 = engine.newproc(0);
    engine.goexit(g1);
    engine.gc(0);
    engine.goexit(g2);
    const expected = engine.stats();

    const page = await browser.newPage();
    const plain = new URL("embed-check.html", server.url).href;
    await page.route(plain, (route) => route.fulfill({ contentType: "text/html",
      body: "<!doctype html><title>embed</title><p>plain page</p>" }));
    await page.goto(plain);
    const result = await page.evaluate(async ({ args, fields }) => {
      const { instance } = await WebAssembly.instantiateStreaming(fetch("/release.wasm"), {});
      const x = instance.exports as Record<string, (...a: number[]) => number> &
        { memory: WebAssembly.Memory };
      const status = [x.init!(...args)];
      const a = x.newproc!(0);
      status.push(x.use!(a, 5000));
      const b = x.newproc!(0);
      status.push(x.goexit!(a), x.gc!(0), x.goexit!(b));
      const values = new Float64Array(x.memory.buffer, x.statsAddress!() >>> 0, fields.length);
      const stats = Object.fromEntries(fields.map((f, i) => [f, values[i]]));
      return { status, g: [a, b], stats };
    }, { args: initArgs, fields: [...STATS_FIELDS] });
    expect(result.status.every((s) => s >= 0)).toBe(true);
    expect(result.g).toEqual([0, 1]);
    expect(result.stats).toEqual(expected);
    expect(expected.growCopies).toBe(2);
    await page.close();
  });
});
