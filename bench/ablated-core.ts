// Measurement-only builds of the core (assembly/ablations.ts): the release
// target's options with ABLATE set to a mask of parts to leave out,
// compiled into a temporary directory. bench/headroom.ts measures them;
// test/wasm-ablations.test.ts checks that the host refuses them unless
// asked and that each part really is left out.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ASC = join(ROOT, "node_modules", ".bin", "asc");

/** The release target of asconfig.json, as the ablated builds start from. */
interface ReleaseTarget { use?: string[]; [option: string]: unknown }

/**
 * Compiles the core with ABLATE = `mask` and the release target's other
 * options, and returns the compiled module.
 * @throws Error naming asc's output when the build fails
 */
export function compileAblatedCore(mask: number): WebAssembly.Module {
  const config = JSON.parse(readFileSync(join(ROOT, "asconfig.json"), "utf8")) as {
    targets: { release: ReleaseTarget }; options: Record<string, unknown>;
  };
  const dir = mkdtempSync(join(tmpdir(), "stacklab-ablated-"));
  try {
    const outFile = join(dir, "core.wasm");
    const release = config.targets.release;
    const use = (release.use ?? []).filter((u) => !u.startsWith("ABLATE="));
    const target = { ...release, outFile, textFile: undefined, sourceMap: false,
      use: [...use, `ABLATE=${mask}`] };
    const configFile = join(dir, "asconfig.json");
    writeFileSync(configFile, JSON.stringify({ targets: { ablated: target },
      options: config.options }));
    const run = spawnSync(ASC, [join(ROOT, "assembly", "index.ts"), "--config", configFile,
      "--target", "ablated"], { cwd: ROOT, encoding: "utf8" });
    if (run.status !== 0) {
      throw new Error(`asc failed for ABLATE=${mask}: ${run.stderr}${run.stdout}`);
    }
    return new WebAssembly.Module(readFileSync(outFile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
