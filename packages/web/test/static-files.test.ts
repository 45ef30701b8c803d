import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { createLogger } from "@roomguard/runtime";
import { allowedHostNames } from "../src/host-check.js";
import { createDashboardServer, listenOn } from "../src/http-server.js";
import { loadStaticDirectory, servedBytes, staticFile, staticRoutes } from "../src/static-files.js";
import type { UpgradeHandler } from "../src/upgrade.js";

const dir = mkdtempSync(path.join(tmpdir(), "web-static-"));
const html = `<!doctype html><title>roomguard</title>${"<p>hello</p>".repeat(200)}`;
mkdirSync(path.join(dir, "views"));
writeFileSync(path.join(dir, "index.html"), html);
writeFileSync(path.join(dir, "views", "app.js"), "export const a = 1;");
writeFileSync(path.join(dir, "views", "app.js.map"), "{}");
writeFileSync(path.join(dir, "main.d.ts"), "export {};");

describe("static files", () => {
  let server: Server;
  let port: number;
  before(async () => {
    const noUpgrade: UpgradeHandler = { clients: 0, handle: (_request, socket) => socket.destroy() };
    server = createDashboardServer({
      allowedHosts: allowedHostNames({ hostname: "", addresses: [] }, []),
      routes: staticRoutes(loadStaticDirectory(dir)),
      upgrade: noUpgrade,
      log: createLogger({ service: "web", format: "json", stream: { write: () => true } }),
    });
    port = (await listenOn(server, { host: "127.0.0.1", port: 0 })).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function get(urlPath: string, headers: Record<string, string> = {}, method = "GET") {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const request = httpRequest({ host: "127.0.0.1", port, path: urlPath, method, headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      });
      request.on("error", reject);
      request.end();
    });
  }

  it("loads a directory without compiler by-products", () => {
    assert.deepEqual([...loadStaticDirectory(dir).keys()].sort(), ["/index.html", "/views/app.js"]);
    assert.deepEqual([...loadStaticDirectory(path.join(dir, "views"), "/vendor/").keys()], ["/vendor/app.js"]);
    assert.throws(() => staticFile("x.exe", Buffer.from("")), /expected a file type/);
  });
  it("serves index.html at / with its type, gzip to who accepts it, and 304 for its ETag", async () => {
    const plain = await get("/");
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(plain.body.toString(), html);
    assert.equal(plain.headers["content-encoding"], undefined);
    const zipped = await get("/index.html", { "Accept-Encoding": "gzip, br" });
    assert.equal(zipped.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(zipped.body).toString(), html);
    const again = await get("/", { "If-None-Match": String(plain.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const head = await get("/views/app.js", {}, "HEAD");
    assert.deepEqual([head.status, head.headers["content-type"], head.body.length], [200, "text/javascript; charset=utf-8", 0]);
  });
  it("answers 404 for what it does not hold, traversal included", async () => {
    for (const urlPath of ["/nope.js", "/views/app.js.map", "/../package.json", "/%2e%2e/etc/passwd"])
      assert.equal((await get(urlPath)).status, 404, urlPath);
  });
  it("counts the gzip bytes a first visit downloads", () => {
    const files = loadStaticDirectory(dir);
    const file = files.get("/index.html");
    assert.ok(file?.gzip);
    assert.equal(servedBytes(files), file.gzip.length + (files.get("/views/app.js")?.body.length ?? 0));
  });
});
