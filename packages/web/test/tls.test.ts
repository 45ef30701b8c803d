// The dashboard under TLS, as a real process off loopback's defaults: a self-signed pair made
// with openssl (as `roomguard web make-cert` will), the __Host- Secure cookie, an https Origin.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { hashSecret } from "@roomguard/runtime";
import { startServiceProcess, type ServiceProcess } from "@roomguard/testing";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "roomguard-web-tls-"));
let web: ServiceProcess | undefined;
after(async () => {
  await web?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard under TLS", () => {
  it("serves https, sets a Secure __Host- cookie, and takes the WebSocket only from the https Origin", async () => {
    // openssl is a Debian package the CI installs (scripts/system-packages.mjs); its absence fails here by name.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        path.join(dir, "web.key"),
        "-out",
        path.join(dir, "web.crt"),
      ],
      { stdio: "ignore" },
    );
    const ca = readFileSync(path.join(dir, "web.crt"));
    web = startServiceProcess({
      name: "web",
      main: MAIN,
      dir,
      config: {
        bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` },
        web: {
          listen: "127.0.0.1:0",
          tls: { cert: "web.crt", key: "web.key" },
          stateDir: "web",
          users: [{ name: "alice", role: "admin", password: await hashSecret("pw", { N: 16 }) }],
        },
      },
    });
    const line = await web.waitForLog((entry) => typeof entry.url === "string", 10_000);
    const url = String(line.url).replace(/\/$/, "");
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);

    const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const request = httpsRequest(
        `${url}/api/login`,
        { method: "POST", ca, headers: { Origin: url, "Content-Type": "application/json" } },
        (response) => {
          response.resume();
          response.on("end", () => resolve({ status: response.statusCode ?? 0, cookie: response.headers["set-cookie"]?.[0] ?? "" }));
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify({ name: "alice", password: "pw" }));
    });
    assert.equal(answer.status, 200);
    assert.match(answer.cookie, /^__Host-roomguard=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const cookie = answer.cookie.split(";")[0] ?? "";

    const handshake = (origin: string) =>
      new Promise<number | string>((resolve) => {
        const socket = new WebSocket(`${url.replace(/^https/, "wss")}/ws`, { ca, headers: { Origin: origin, Cookie: cookie } });
        socket.once("message", (data: Buffer) => {
          socket.close();
          resolve(String((JSON.parse(data.toString()) as { t: string }).t));
        });
        socket.on("unexpected-response", (request, response) => {
          request.destroy();
          resolve(response.statusCode ?? 0);
        });
        socket.on("error", () => undefined);
      });
    assert.equal(await handshake(url), "hello");
    assert.equal(await handshake(url.replace(/^https/, "http")), 403, "a plain-HTTP page of the same host is another origin");
    assert.equal(await web.stop(), 0);
  });
});
