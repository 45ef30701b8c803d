import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { loadStaticDirectory, staticFile, type StaticFile } from "./static-files.js";

/** The page's hand-written files (index.html, style.css, the icon): packages/web/page/static. */
const STATIC_DIR = fileURLToPath(new URL("../../page/static/", import.meta.url));
/** The page's compiled modules: packages/web/dist/page. */
const COMPILED_DIR = fileURLToPath(new URL("../page/", import.meta.url));
/** Preact's modules, served as they are installed: the import map in index.html names these paths. */
const PREACT_FILES: Record<string, string> = {
  "/vendor/preact/preact.mjs": "preact",
  "/vendor/preact/hooks.mjs": "preact/hooks",
  "/vendor/preact/jsxRuntime.mjs": "preact/jsx-runtime",
};

/** What the server serves of the page, and the inline scripts its CSP allows by hash. */
export interface PageFiles {
  files: Map<string, StaticFile>;
  inlineScripts: string[];
}

/**
 * The page as served: the static files at `/`, the compiled modules beside them, Preact under
 * `/vendor/preact/` from node_modules (no copy to go stale, no CDN), all read into memory once.
 * The import map, the one inline script, is allowed by its hash. A checkout without the compiled
 * page serves the API alone (the page is built by `tsc -b`).
 */
export function pageFiles(staticDir = STATIC_DIR, compiledDir = COMPILED_DIR): PageFiles {
  if (!existsSync(staticDir) || !existsSync(compiledDir)) return { files: new Map(), inlineScripts: [] };
  const files = new Map([...loadStaticDirectory(compiledDir), ...loadStaticDirectory(staticDir)]);
  const require = createRequire(import.meta.url);
  for (const [url, specifier] of Object.entries(PREACT_FILES)) files.set(url, staticFile(url, readFileSync(require.resolve(specifier))));
  const index = files.get("/index.html");
  if (index === undefined) return { files, inlineScripts: [] };
  const html = withModulePreloads(index.body.toString("utf8"), [...files.keys()].filter((url) => /\.m?js$/.test(url)).sort());
  files.set("/index.html", staticFile("index.html", Buffer.from(html)));
  return { files, inlineScripts: inlineScriptsOf(html) };
}

/**
 * The page with a `<link rel="modulepreload">` for each module, before its first module script:
 * the browser fetches them all at once instead of finding each import a round trip after the
 * module that names it (five rounds deep otherwise). Made from the files served, so a new module
 * is never left out.
 */
export function withModulePreloads(html: string, modules: readonly string[]): string {
  const at = html.indexOf('<script type="module"');
  if (at < 0) return html;
  const links = modules.map((url) => `<link rel="modulepreload" href="${url}" />\n    `).join("");
  return html.slice(0, at) + links + html.slice(at);
}

/** The text of each inline `<script>` (no `src`) of an HTML page, as the CSP hashes it. */
export function inlineScriptsOf(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
}
