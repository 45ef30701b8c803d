// The dashboard as a real process: its config refusal, login and hello, SIGTERM's close 1001, a kill -9's restart keeping the session.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { hashSecret } from "@roomguard/runtime";
import { startServiceProcess, type ServiceProcess } from "@roomguard/testing";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "roomguard-web-"));
const started: ServiceProcess[] = [];
after(async () => {
  await Promise.all(started.map((process) => process.stop("SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
});

async function config(web: Record<string, unknown>) {
  return {
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` },
    web: { stateDir: `${dir}/web`, users: [{ name: "alice", role: "user", password: await hashSecret("pw", { N: 16 }) }], ...web },
  };
}

function start(webConfig: Record<string, unknown>): Promise<ServiceProcess> {
  return config(webConfig).then((whole) => {
    const process = startServiceProcess({ name: "web", main: MAIN, dir, config: whole });
    started.push(process);
    return process;
  });
}

async function urlOf(process: ServiceProcess): Promise<string> {
  const line = await process.waitForLog((entry) => typeof entry.url === "string", 10_000);
  return String(line.url).replace(/\/$/, "");
}

/** Opens the WebSocket and resolves with its first message and the socket. */
function openSocket(url: string, cookie: string): Promise<{ socket: WebSocket; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, { headers: { Origin: url, Cookie: cookie } });
    socket.once("message", (data: Buffer) => resolve({ socket, first: JSON.parse(data.toString()) as Record<string, unknown> }));
    socket.once("error", reject);
  });
}

describe("the web process", () => {
  it("refuses to listen off loopback without TLS or insecure: exit 78 naming web.listen", async () => {
    const process = await start({ listen: "0.0.0.0:0" });
    assert.equal(await process.exited, 78);
    assert.match(process.stderr() + JSON.stringify(process.lines), /web\.listen/);
  });

  it("logs in, greets the page with hello, keeps the session across a kill -9, and closes pages with 1001 at SIGTERM", async () => {
    const first = await start({ listen: "127.0.0.1:0" });
    const url = await urlOf(first);
    const login = await fetch(`${url}/api/login`, {
      method: "POST",
      headers: { Origin: url, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "alice", password: "pw" }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const { socket, first: hello } = await openSocket(url, cookie);
    assert.deepEqual(
      { ...hello, now: 0 },
      {
        t: "hello",
        v: 1,
        user: "alice",
        role: "user",
        insecure: false,
        sim: true,
        allowed: ["history", "audit", "arm", "disarm", "panic", "music"],
        now: 0,
      },
    );
    socket.terminate();
    await first.stop("SIGKILL");

    const second = await start({ listen: "127.0.0.1:0" });
    const again = await openSocket(await urlOf(second), cookie);
    assert.equal(again.first.user, "alice");
    const closed = new Promise<number>((resolve) => again.socket.once("close", (code: number) => resolve(code)));
    assert.equal(await second.stop(), 0);
    assert.equal(await closed, 1001);
  });

  it("closes an open page with 4401 when its session is logged out", { timeout: 15_000 }, async () => {
    const process = await start({ listen: "127.0.0.1:0" });
    const url = await urlOf(process);
    const headers = { Origin: url, "Content-Type": "application/json" };
    const login = await fetch(`${url}/api/login`, { method: "POST", headers, body: JSON.stringify({ name: "alice", password: "pw" }) });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const { socket } = await openSocket(url, cookie);
    const closed = new Promise<number>((resolve) => socket.once("close", (code: number) => resolve(code)));
    assert.equal((await fetch(`${url}/api/logout`, { method: "POST", headers: { Origin: url, Cookie: cookie } })).status, 204);
    assert.equal(await closed, 4401);
    assert.equal(await process.stop(), 0);
  });
});
