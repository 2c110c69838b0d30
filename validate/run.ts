// npm run validate: the real runtime against both engines, case by case.
// Prints the side-by-side table (deltas in bytes, differences in 32 KiB
// spans) and exits 1 when any checkpoint is off by more than two spans.
// Flags: --write-results refreshes validate/results; --case NAME (repeatable)
// runs only the named cases.

import {
  TOLERANCE_SPANS, engineErrors, formatTable, runValidation,
} from "./compare.js";

function parseArgs(argv: readonly string[]): { write: boolean; only?: string[] } {
  const only: string[] = [];
  let write = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--write-results") write = true;
    else if (arg === "--case" && argv[i + 1] !== undefined) only.push(argv[++i] ?? "");
    else throw new Error(`unknown argument ${String(arg)}`);
  }
  return only.length > 0 ? { write, only } : { write };
}

const args = parseArgs(process.argv.slice(2));
const started = Date.now();
const outcome = runValidation({ writeResults: args.write, only: args.only });
if (outcome.kind === "skipped") {
  console.log(`validate: skipped, ${outcome.reason}`);
  process.exit(0);
}
console.log(`validate: ${outcome.goVersion}, ${outcome.cases.length} cases, ` +
  `StackInuse deltas in bytes, d = (simulated - real) / 32 KiB`);
console.log(formatTable(outcome.rows));
for (const message of engineErrors(outcome.rows)) console.log(`engine error: ${message}`);
const failed = outcome.rows.filter((r) => !r.pass).length;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(failed === 0
  ? `validate: all ${outcome.rows.length} checkpoints within ${TOLERANCE_SPANS} spans (${seconds}s)`
  : `validate: ${failed} of ${outcome.rows.length} checkpoints off by more than ` +
    `${TOLERANCE_SPANS} spans (${seconds}s)`);
process.exit(failed === 0 ? 0 : 1);
