import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/stacklab.js", import.meta.url));

describe("stacklab explore", () => {
  it("serves the explorer on 127.0.0.1 and prints its URL", async () => {
    const child = spawn(process.execPath, [BIN, "explore", "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (match !== null) resolve(match[1]!);
        });
        child.on("exit", (code) => reject(new Error(`explore exited with ${code}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const wasm = await fetch(new URL("release.wasm", url));
      expect(wasm.headers.get("content-type")).toBe("application/wasm");
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses a bad port with a one-line error", async () => {
    const child = spawn(process.execPath, [BIN, "explore", "--port", "x"],
      { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => { err += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/port/);
  });
});
