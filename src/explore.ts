// The explorer's web server: serves the bundled page in build/explorer/ and
// the core's .wasm builds over node:http on a loopback address. The page
// needs nothing from it that another static file server lacks (no
// cross-origin isolation); it only adds the .wasm type and no caching.

import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of startExplorer. */
export interface ExplorerOptions {
  /** TCP port; 0 (the default) takes any free port. */
  port?: number;
  /** Address to listen on. Default "127.0.0.1". */
  host?: string;
  /** Directory of the bundled page. Default build/explorer/ of the package. */
  root?: string;
}

/** A running explorer server. */
export interface ExplorerServer {
  /** The page's address, ending in "/". */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const PAGE_DIR = fileURLToPath(new URL("../build/explorer/", import.meta.url));
/** The core builds, served at /release.wasm and /debug.wasm. */
const CORE_FILES: Record<string, string> = {
  "/release.wasm": fileURLToPath(new URL("../build/release.wasm", import.meta.url)),
  "/debug.wasm": fileURLToPath(new URL("../build/debug.wasm", import.meta.url)),
};

const MIME_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** Headers of every response: a rebuilt page is never served stale. */
const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
};

function send(response: ServerResponse, status: number, type: string,
  body: Buffer | string): void {
  response.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type,
    "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

/** The file a request path names under root, or undefined if it escapes it. */
function resolvePath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const relative = decoded.endsWith("/") ? `${decoded}index.html` : decoded;
  const file = normalize(root + relative);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

async function serve(root: string, request: IncomingMessage,
  response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    send(response, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return;
  }
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const file = CORE_FILES[path] ?? resolvePath(root, path);
  if (file === undefined) {
    send(response, 404, "text/plain; charset=utf-8", "not found\n");
    return;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error("not a file");
    const body = await readFile(file);
    const type = MIME_TYPES[extname(file)] ?? "application/octet-stream";
    if (request.method === "HEAD") {
      response.writeHead(200, { ...COMMON_HEADERS, "Content-Type": type,
        "Content-Length": body.length });
      response.end();
    } else {
      send(response, 200, type, body);
    }
  } catch {
    const hint = path === "/" ? "the page is not built: run `npm run build:explorer`\n"
      : "not found\n";
    send(response, 404, "text/plain; charset=utf-8", hint);
  }
}

/**
 * Starts the explorer's static server (what `stacklab explore` runs).
 * @param options port (default 0: any free port), host (default 127.0.0.1)
 *   and the page directory (default build/explorer/).
 * @returns the page's URL and a close function.
 * @throws the listen error (EADDRINUSE, EACCES...) when the port is taken.
 */
export async function startExplorer(options: ExplorerOptions = {}): Promise<ExplorerServer> {
  const root = normalize(options.root ?? PAGE_DIR).replace(/[\\/]+$/, "");
  const host = options.host ?? "127.0.0.1";
  const server = createServer((request, response) => {
    serve(root, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", "error\n");
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    }),
  };
}
