// The page as served: its static files, its modules with a preload for each, Preact from node_modules, the import map's text for the CSP.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inlineScriptsOf, pageFiles, withModulePreloads } from "../src/page-files.js";
import { servedBytes } from "../src/static-files.js";

describe("the page's files", () => {
  it("serves index.html, the compiled modules and Preact, each module preloaded, the import map allowed by its exact text", () => {
    const { files, inlineScripts } = pageFiles();
    for (const url of [
      "/index.html",
      "/main.js",
      "/protocol.js",
      "/style.css",
      "/vendor/preact/preact.mjs",
      "/vendor/preact/hooks.mjs",
      "/vendor/preact/jsxRuntime.mjs",
    ])
      assert.ok(files.has(url), url);
    assert.ok(![...files.keys()].some((url) => url.endsWith(".d.ts") || url.endsWith(".map")), "no compiler by-products");
    const html = files.get("/index.html")?.body.toString("utf8") ?? "";
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((match) => match[1]);
    const modules = [...files.keys()].filter((url) => /\.m?js$/.test(url)).sort();
    assert.deepEqual(preloaded, modules);
    assert.equal(inlineScripts.length, 1);
    const map = JSON.parse(inlineScripts[0] ?? "") as { imports: Record<string, string> };
    assert.equal(map.imports.preact, "/vendor/preact/preact.mjs");
    assert.ok(servedBytes(files) < 100_000, `the first visit is ${servedBytes(files)} bytes gzip`);
  });

  it("puts the preloads before the first module script, and leaves a page without one alone", () => {
    const html = '<head><script type="importmap">{}</script>\n    <script type="module" src="/main.js"></script></head>';
    assert.equal(
      withModulePreloads(html, ["/a.js", "/main.js"]),
      '<head><script type="importmap">{}</script>\n    <link rel="modulepreload" href="/a.js" />\n    <link rel="modulepreload" href="/main.js" />\n    <script type="module" src="/main.js"></script></head>',
    );
    assert.equal(withModulePreloads("<p>no modules</p>", ["/a.js"]), "<p>no modules</p>");
    assert.deepEqual(inlineScriptsOf('<script src="/x.js"></script><script type="importmap">MAP</script>'), ["MAP"]);
  });
});
