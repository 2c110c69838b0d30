import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/errors.js";

const build = (file: string): URL => new URL(`../build/${file}`, import.meta.url);

describe("the wasm core module", () => {
  it("makes no managed allocations (no __new in either build)", () => {
    for (const wat of ["release.wat", "debug.wat"]) {
      expect(readFileSync(build(wat), "utf8"), wat).not.toContain("__new");
    }
  });

  it("stays within its size budget (release under 64 KiB)", () => {
    expect(statSync(build("release.wasm")).size).toBeLessThan(64 * 1024);
  });

  it("release build has checks compiled out (no abort import)", () => {
    expect(readFileSync(build("release.wat"), "utf8")).not.toContain("\"abort\"");
  });

  it("numbers its error codes as src/errors.ts does (code = index + 1)", () => {
    const source = readFileSync(new URL("../assembly/errors.ts", import.meta.url), "utf8");
    const pairs = [...source.matchAll(/^\s+(\w+) = (\d+),$/gm)]
      .map(([, name, code]) => [name!, Number(code)] as const)
      .filter(([name]) => name !== "None");
    const expected = ERROR_CODES.map((code, i) =>
      [code.charAt(0).toUpperCase() + code.slice(1), i + 1] as const);
    expect(pairs).toEqual(expected);
  });
});
