// The real runtime against both engines: every checkpoint of every case in
// validate/cases must be within two 32 KiB spans of Go 1.19's StackInuse.
// The live run needs `go`; without it that part is skipped with the reason
// printed, and the committed reference data (validate/results) is replayed.

import { describe, expect, it } from "vitest";
import {
  ENGINES, TOLERANCE_SPANS, formatTable, replayResults, runValidation,
} from "../validate/compare.js";
import type { ComparisonRow } from "../validate/compare.js";
import { findGo } from "../validate/real.js";

/** Rows over the tolerance, as text a failure message can show. */
function offenders(rows: readonly ComparisonRow[]): string {
  return formatTable(rows.filter((r) => !r.pass));
}

function expectWithinTolerance(rows: readonly ComparisonRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    for (const kind of ENGINES) {
      const fig = row.sim[kind];
      expect(fig.kind, `${row.case} / ${row.checkpoint} (${kind})`).toBe("ok");
      if (fig.kind === "ok") {
        expect(Math.abs(fig.diffSpans), `${row.case} / ${row.checkpoint} (${kind})`)
          .toBeLessThanOrEqual(TOLERANCE_SPANS);
      }
    }
  }
  expect(offenders(rows)).toBe(formatTable([]));
}

const go = findGo();
if ("reason" in go) {
  console.log(`validate.test: live run skipped, ${go.reason}`);
}

describe("the simulator against the real Go runtime", () => {
  it.skipIf("reason" in go)(
    "every case, run now on the local go, is within two spans on both engines",
    () => {
      const outcome = runValidation();
      expect(outcome.kind).toBe("ran");
      if (outcome.kind === "ran") {
        expect(outcome.cases.length).toBeGreaterThanOrEqual(12);
        expectWithinTolerance(outcome.rows);
      }
    },
  );

  it("the committed reference results replay within two spans on both engines", () => {
    expectWithinTolerance(replayResults());
  });
});
