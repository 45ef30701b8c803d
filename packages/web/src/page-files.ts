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
  const html = files.get("/index.html")?.body.toString("utf8") ?? "";
  return { files, inlineScripts: inlineScriptsOf(html) };
}

/** The text of each inline `<script>` (no `src`) of an HTML page, as the CSP hashes it. */
export function inlineScriptsOf(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
}
