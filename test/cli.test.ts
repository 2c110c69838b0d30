// End-to-end tests of the real binary: node bin/stacklab.js (built to dist/).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "stacklab.js");
const tiny = join(root, "test", "fixtures", "tiny.json");
const dir = mkdtempSync(join(tmpdir(), "stacklab-cli-"));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir, encoding: "utf8", maxBuffer: 1 << 28,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(...args: string[]): any {
  const r = cli(...args, "--json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  // `npm test` builds first (pretest); a bare `vitest run` may not have.
  if (!existsSync(join(root, "dist", "cli.js"))) {
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"),
      "-p", join(root, "tsconfig.json")]);
  }
});

describe("stacklab CLI", () => {
  it("lists the six built-in scenarios with a purpose each", () => {
    const r = cli("scenarios");
    expect(r.code).toBe(0);
    for (const name of ["default", "rpc-churn", "fan-out", "long-lived-shrink",
      "adaptive-start", "many-procs"]) {
      expect(r.stdout).toMatch(new RegExp(`^${name} +\\S.{20,}$`, "m"));
    }
  });

  it("runs a built-in, cut short, and prints the summary table", () => {
    const r = cli("run", "rpc-churn", "--ticks", "40");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/StackInuse peak .* at tick \d+/);
    expect(r.stdout).toMatch(/lifecycles\/s/);
    expect(r.stdout).toMatch(/^growCopies +[\d,]+ +[\d,]+$/m);
  });

  it("prints one JSON object with --json, identical across runs and engines", () => {
    const a = json("run", tiny, "--engine", "wasm");
    for (const key of ["stats", "peak", "lifecycles", "operations", "seconds"]) {
      expect(a).toHaveProperty(key);
    }
    expect(a.lifecycles).toBe(2460);
    expect(a.stats.liveGoroutines).toBe(0);
    const b = json("run", tiny, "--engine", "wasm");
    const c = json("run", tiny, "--engine", "ts");
    for (const other of [b, c]) {
      expect(other.stats).toEqual(a.stats);
      expect(other.peak).toEqual(a.peak);
      expect(other.operations).toBe(a.operations);
    }
  });

  it("compare reports identical results and a speed ratio", () => {
    const r = cli("compare", "default", "--ticks", "30");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/results identical/);
    expect(r.stdout).toMatch(/wasm is [\d.]+x the speed of ts/);
  });

  it("names file and field for a bad scenario, exits 1, no stack trace", () => {
    const r = cli("run", join(root, "test", "fixtures", "bad-lifetime.json"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad-lifetime\.json: phases\[1\]\.lifetimeTicks\.mean: expected/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("rejects unknown scenarios and bad option values", () => {
    expect(cli("run", "no-such-scenario").stderr).toMatch(/not a built-in scenario/);
    const bad = cli("run", "default", "--ticks", "-3");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--ticks/);
  });

  for (const name of ["ops.jsonl", "ops.sltrace"]) {
    it(`records ${name} and replays it to the same stats`, () => {
      const path = join(dir, name);
      const run = json("run", tiny, "--trace", path);
      const replay = cli("replay", path, "--json");
      expect(replay.code).toBe(0);
      const lines = replay.stdout.trimEnd().split("\n");
      expect(lines.length).toBe(run.operations);
      expect(JSON.parse(lines.at(-1)!)).toEqual(run.stats);
      const summary = cli("replay", path, "--engine", "ts");
      const count = run.operations.toLocaleString("en-US");
      expect(summary.stdout).toMatch(new RegExp(`replayed ${count}`));
    });
  }

  it("detects a corrupted binary trace with its byte offset", () => {
    const path = join(dir, "corrupt.sltrace");
    json("run", tiny, "--trace", path);
    const bytes = readFileSync(path);
    bytes[bytes.length - 200]! ^= 0xff;
    writeFileSync(path, bytes);
    const r = cli("replay", path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/corrupt\.sltrace at byte \d+: .*checksum mismatch/);
  });

  it("names the line of a refused operation in an op script", () => {
    const path = join(dir, "bad.jsonl");
    writeFileSync(path, '{"op":"newproc","p":0}\n{"op":"use","g":1,"bytes":"x"}\n');
    const r = cli("replay", path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:2: bytes: expected an integer/);
  });

  it("sweeps a grid on workers, and shards merge to the same table", () => {
    const whole = json("sweep", tiny, "--set", "policy.keepGrownStackBytes=0,131072",
      "--set", "procs=1,4", "--workers", "2");
    expect(whole.results.length).toBe(4);
    expect(whole.results.map((r: any) => r.settings)).toEqual([
      { "policy.keepGrownStackBytes": 0, procs: 1 }, { "policy.keepGrownStackBytes": 0, procs: 4 },
      { "policy.keepGrownStackBytes": 131072, procs: 1 },
      { "policy.keepGrownStackBytes": 131072, procs: 4 }]);
    const set = ["--set", "policy.keepGrownStackBytes=0,131072", "--set", "procs=1,4"];
    expect(cli("sweep", tiny, ...set, "--shard", "1/2", "--out", "p1.json").code).toBe(0);
    expect(cli("sweep", tiny, ...set, "--shard", "2/2", "--out", "p2.json").code).toBe(0);
    const merged = json("merge", "p1.json", "p2.json");
    expect(merged.results.map((r: any) => r.stats))
      .toEqual(whole.results.map((r: any) => r.stats));
    const text = cli("merge", "p1.json", "p2.json").stdout;
    expect(text).toMatch(/StackInuse peak/);
    expect(cli("merge", "p1.json").code).toBe(1);
  });

  it("rejects a bad sweep value naming the setting", () => {
    const r = cli("sweep", tiny, "--set", "procs=0,2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/procs=0.*engine\.procs: expected an integer in \[1, 1024\]/);
  });

  it("shows examples in every command's help", () => {
    for (const command of ["run", "replay", "compare", "sweep", "merge", "scenarios"]) {
      const r = cli(command, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:\n\s+\$ stacklab/);
    }
  });
});
