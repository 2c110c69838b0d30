// Traces: recording a scenario and replaying it gives identical stats in
// both formats; bad lines, truncated, corrupted, foreign and newer files
// are refused with file and line or byte offset.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "../src/engine.js";
import { InputError } from "../src/errors.js";
import { BINARY_TRACE_VERSION } from "../src/trace/binary.js";
import { parseOpLine } from "../src/trace/oplog.js";
import { createTraceWriter, openTrace, replayTrace } from "../src/trace/trace.js";
import { compileScenario } from "../src/workload/compile.js";
import { runScenario } from "../src/workload/driver.js";
import { validateScenario } from "../src/workload/scenario.js";
import type { Op } from "../src/workload/types.js";

const dir = mkdtempSync(join(tmpdir(), "stacklab-trace-"));
const scenario = validateScenario({
  name: "trace", seed: 5, engine: { procs: 2 }, drain: true,
  phases: [{
    durationTicks: 400, arrivals: { ratePerTick: 7.3 },
    lifetimeTicks: { kind: "exponential", mean: 6 },
    peakStackBytes: { kind: "logNormal", median: 3000, sigma: 1.5 },
    blockedStackBytes: { kind: "uniform", min: 0, max: 3000 },
    placement: "random", noPShare: { probability: 0.2, bytes: 16384 },
    gc: { everyExits: 300, markTicks: 3 },
    procresize: [{ atTick: 200, procs: 3 }],
  }],
}, "trace.json");
const compiled = compileScenario(scenario);

function record(path: string): { stats: unknown; ops: number } {
  const engine = createEngine({ ...compiled.engineOptions, engine: "ts" });
  const writer = createTraceWriter(path, compiled.engineOptions);
  const result = runScenario(engine, compiled, { onOp: (op) => writer.write(op) });
  writer.close();
  return { stats: result.stats, ops: result.operations };
}

async function replay(path: string): Promise<{ stats: unknown; ops: number }> {
  const source = await openTrace(path);
  const engine = createEngine({ ...source.engineOptions, engine: "ts" });
  const ops = await replayTrace(source, engine, path);
  return { stats: engine.stats(), ops };
}

async function replayError(path: string): Promise<InputError> {
  try {
    await replay(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("replay did not fail");
}

describe("trace round trips", () => {
  for (const name of ["t.jsonl", "t.sltrace"]) {
    it(`replays ${name} to identical stats`, async () => {
      const path = join(dir, name);
      const recorded = record(path);
      expect(recorded.ops).toBeGreaterThan(10_000);
      const replayed = await replay(path);
      expect(replayed).toEqual(recorded);
    });
  }

  it("keeps every operation exactly through the binary encoding", async () => {
    const ops: Op[] = [
      { op: "newproc", p: 0 }, { op: "use", g: 1, bytes: 5000 }, { op: "goexit", g: 1 },
      { op: "gc" }, { op: "gcStart", p: 1 }, { op: "gcFinish" }, { op: "procresize", n: 2 },
      { op: "readMemStats" }, { op: "stackalloc", bytes: 4096, p: "noP" },
      { op: "stackfree", lo: 0xc0_0000_0000 + 2 ** 35, bytes: 4096, p: 0 },
      { op: "use", g: 7, bytes: 0 },
    ];
    const path = join(dir, "all.bin");
    const writer = createTraceWriter(path);
    for (const op of ops) writer.write(op);
    writer.close();
    const source = await openTrace(path);
    const back: Op[] = [];
    for await (const r of source.ops) back.push(r.op);
    expect(back).toEqual(ops);
  });

  it("detects truncated, corrupted, foreign and newer binary traces", async () => {
    const path = join(dir, "good.bin");
    record(path);
    const bytes = readFileSync(path);

    const truncated = join(dir, "truncated.bin");
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 5000));
    expect((await replayError(truncated)).message)
      .toMatch(/truncated.bin at byte \d+: .*truncated/);

    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(join(dir, "corrupt.bin"), corrupt);
    expect((await replayError(join(dir, "corrupt.bin"))).message)
      .toMatch(/at byte \d+: .*checksum mismatch/);

    writeFileSync(join(dir, "foreign.bin"), Buffer.from("PK\x03\x04 not a trace at all"));
    expect((await replayError(join(dir, "foreign.bin"))).message).toMatch(/at byte 0: /);

    const newer = Buffer.from(bytes);
    newer.writeUInt32LE(BINARY_TRACE_VERSION + 1, 8);
    writeFileSync(join(dir, "newer.bin"), newer);
    expect((await replayError(join(dir, "newer.bin"))).message)
      .toMatch(new RegExp(`version ${BINARY_TRACE_VERSION + 1} is newer`));
  });

  it("rejects bad op script lines with file:line and the reason", async () => {
    const bad = (line: string, pattern: RegExp, lineNumber = 1): void => {
      expect(() => parseOpLine(line, "ops.jsonl", lineNumber)).toThrow(pattern);
    };
    bad('{"op":"newproc"}', /ops\.jsonl:1: p: expected an integer/);
    bad('{"op":"use","g":1,"bytes":-5}', /bytes: expected an integer >= 0/);
    bad('{"op":"fork"}', /unknown operation "fork"/);
    bad('{"op":"goexit","g":1,"extra":2}', /extra: unknown field/);
    bad('{"op":"newproc","p":"noP"}', /needs a P index/);
    bad('[1,2]', /expected a JSON object/);
    bad('{"op":"newproc",', /ops\.jsonl:4: not valid JSON/, 4);
    bad('{"op":"config","procs":2}', /only allowed as the first line/, 2);
    bad('{"op":"config","procs":0}', /ops\.jsonl:1: config: procs/);

    const path = join(dir, "refused.jsonl");
    writeFileSync(path, '{"op":"config","procs":1}\n{"op":"newproc","p":0}\n'
      + '{"op":"goexit","g":9}\n');
    const error = await replayError(path);
    expect(error.message).toMatch(/refused\.jsonl:3: goexit: .*unknown goroutine/);
  });
});
