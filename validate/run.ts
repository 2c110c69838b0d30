// npm run validate: the real runtime against both engines, case by case.
// Prints the side-by-side table (deltas in bytes, differences in 32 KiB
// spans) and exits 1 when any checkpoint is off by more than two spans.
// Flags: --write-results refreshes validate/results; --case NAME (repeatable)
// runs only the named cases; --from-results replays the committed results
// instead of running Go.

import {
  TOLERANCE_SPANS, engineErrors, formatTable, replayResults, runValidation,
} from "./compare.js";
import type { ComparisonRow } from "./compare.js";

interface Args {
  write: boolean;
  fromResults: boolean;
  only?: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const only: string[] = [];
  let write = false;
  let fromResults = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--write-results") write = true;
    else if (arg === "--from-results") fromResults = true;
    else if (arg === "--case" && argv[i + 1] !== undefined) only.push(argv[++i] ?? "");
    else throw new Error(`unknown argument ${String(arg)}`);
  }
  return only.length > 0 ? { write, fromResults, only } : { write, fromResults };
}

function report(rows: readonly ComparisonRow[], source: string, started: number): number {
  console.log(`validate: ${source}; StackInuse deltas in bytes, ` +
    "d = (simulated - real) / 32 KiB");
  console.log(formatTable(rows));
  for (const message of engineErrors(rows)) console.log(`engine error: ${message}`);
  const failed = rows.filter((r) => !r.pass).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(failed === 0
    ? `validate: all ${rows.length} checkpoints within ${TOLERANCE_SPANS} spans (${seconds}s)`
    : `validate: ${failed} of ${rows.length} checkpoints off by more than ` +
      `${TOLERANCE_SPANS} spans (${seconds}s)`);
  return failed === 0 ? 0 : 1;
}

const args = parseArgs(process.argv.slice(2));
const started = Date.now();
if (args.fromResults) {
  process.exit(report(replayResults(args.only), "committed validate/results", started));
}
const outcome = runValidation({ writeResults: args.write, only: args.only });
if (outcome.kind === "skipped") {
  console.log(`validate: skipped, ${outcome.reason}`);
  process.exit(0);
}
const source = `${outcome.goVersion}, ${outcome.cases.length} cases run now`;
process.exit(report(outcome.rows, source, started));
