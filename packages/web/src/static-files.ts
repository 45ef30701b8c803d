import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Route } from "./login-routes.js";

/** One file served from memory. */
export interface StaticFile {
  type: string;
  body: Buffer;
  /** The gzip of `body`, when that is smaller. */
  gzip: Buffer | undefined;
  /** A strong ETag of the content. */
  etag: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** Compiler by-products that are never served. */
const SKIPPED = /\.(map|d\.ts|tsbuildinfo)$/;

/** A file's content made servable: its type by extension (unknown ones are refused), gzip and ETag computed once. */
export function staticFile(name: string, body: Buffer): StaticFile {
  const type = TYPES[path.extname(name).toLowerCase()];
  if (type === undefined) throw new Error(`expected a file type the dashboard serves (${Object.keys(TYPES).join(" ")}), got ${name}`);
  const gzip = gzipSync(body, { level: 9 });
  return {
    type,
    body,
    gzip: gzip.length < body.length ? gzip : undefined,
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}

/**
 * Every file under `dir` as URL path → file, under `prefix` (`/` or `/vendor/`). Read once at
 * start: nothing is read from disk per request, and no request path ever reaches the file
 * system (no traversal to guard against).
 */
export function loadStaticDirectory(dir: string, prefix = "/"): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  // A walk of our own: readdir's `recursive` and Dirent.parentPath need Node 20.12, engines say 20.10.
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !SKIPPED.test(entry.name))
        files.set(prefix + path.relative(dir, full).split(path.sep).join("/"), staticFile(entry.name, readFileSync(full)));
    }
  };
  walk(dir);
  return files;
}

/** The gzip bytes a first visit downloads (the page's budget is 100 KB). */
export function servedBytes(files: ReadonlyMap<string, StaticFile>): number {
  let total = 0;
  for (const file of files.values()) total += (file.gzip ?? file.body).length;
  return total;
}

/**
 * GET and HEAD routes for `files`, `/index.html` also at `/`. Answers 304 to a matching
 * If-None-Match and gzip to a client that accepts it; `no-cache` makes the browser revalidate,
 * so a new version is seen at the next load while an unchanged file costs a 304.
 */
export function staticRoutes(files: ReadonlyMap<string, StaticFile>): Record<string, Route> {
  const routes: Record<string, Route> = {};
  const serve =
    (file: StaticFile): Route =>
    (request, response) => {
      const headers: Record<string, string | number> = { ETag: file.etag, "Cache-Control": "no-cache", Vary: "Accept-Encoding" };
      if (request.headers["if-none-match"] === file.etag) return void response.writeHead(304, headers).end();
      const gzip = file.gzip !== undefined && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
      const body = gzip ? (file.gzip as Buffer) : file.body;
      response.writeHead(200, {
        ...headers,
        "Content-Type": file.type,
        "Content-Length": body.length,
        ...(gzip ? { "Content-Encoding": "gzip" } : {}),
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
  for (const [urlPath, file] of files) {
    for (const at of urlPath === "/index.html" ? [urlPath, "/"] : [urlPath]) {
      routes[`GET ${at}`] = serve(file);
      routes[`HEAD ${at}`] = serve(file);
    }
  }
  return routes;
}
