// bench/soak.ts (not in CI; `npx tsx bench/soak.ts [operations]`): runs
// rpc-churn on the wasm engine, its one phase stretched to about 100
// million operations (or the count given), sampling the process RSS and
// the core's linear memory every 1,000 ticks, and says whether memory
// stays flat once warm (after the first tenth of the run).

import { createEngine } from "../src/engine.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { loadScenario } from "../src/workload/load.js";
import { machineLine, releaseLabel } from "./common.js";

const TARGET_OPERATIONS = Number(process.argv[2] ?? 100_000_000);
const MiB = 2 ** 20;
/** Growth allowed after warm-up before memory counts as not flat. */
const FLAT_TOLERANCE_MIB = 16;
const WARM_SHARE = 0.1;
/** rpc-churn issues this many operations per tick: 200 arrivals x 4. */
const OPS_PER_TICK = 800;
const RSS_EVERY_TICKS = 1000;

function main(): void {
  const label = releaseLabel();
  process.stdout.write(`soak: ${machineLine()}${label}\n`);
  const { scenario } = loadScenario("rpc-churn");
  const ticks = Math.ceil(TARGET_OPERATIONS / OPS_PER_TICK);
  const compiled = compileScenario({ ...scenario,
    phases: scenario.phases.map((p) => ({ ...p, durationTicks: ticks })) });
  const engine = createEngine({ ...compiled.engineOptions, engine: "wasm" });
  const memoryBytes = (): number => (engine as unknown as { memoryBytes: number }).memoryBytes;
  const rss: { ops: number; rssMiB: number; wasmMiB: number }[] = [];
  const started = performance.now();
  const result = runScenario(engine, compiled, {
    onTick: (done) => {
      if (done % RSS_EVERY_TICKS === 0) {
        rss.push({ ops: done * OPS_PER_TICK, rssMiB: process.memoryUsage.rss() / MiB,
          wasmMiB: memoryBytes() / MiB });
      }
    },
  });
  const operations = result.operations;
  const seconds = (performance.now() - started) / 1000;
  const warm = rss.filter((s) => s.ops >= TARGET_OPERATIONS * WARM_SHARE);
  const first = warm[0] ?? rss[0]!;
  const maxRss = Math.max(...warm.map((s) => s.rssMiB));
  const last = rss[rss.length - 1]!;
  const flat = maxRss - first.rssMiB <= FLAT_TOLERANCE_MIB && last.wasmMiB === first.wasmMiB;
  process.stdout.write(`${(operations / 1e6).toFixed(1)} M operations in ` +
    `${seconds.toFixed(1)} s (${(operations / seconds / 1e6).toFixed(1)} M ops/s)\n`);
  for (let i = 0; i < rss.length; i += Math.max(1, Math.floor(rss.length / 10))) {
    const s = rss[i]!;
    process.stdout.write(`  at ${(s.ops / 1e6).toFixed(1)} M ops: ` +
      `RSS ${s.rssMiB.toFixed(0)} MiB, wasm memory ${s.wasmMiB.toFixed(0)} MiB\n`);
  }
  process.stdout.write(`once warm: RSS ${first.rssMiB.toFixed(0)} -> ` +
    `max ${maxRss.toFixed(0)} MiB, ` +
    `wasm memory ${first.wasmMiB.toFixed(0)} -> ${last.wasmMiB.toFixed(0)} MiB: ` +
    `${flat ? "flat" : "NOT flat"} (tolerance ${FLAT_TOLERANCE_MIB} MiB)\n`);
}

main();
