// The login routes and the WebSocket handshake on a real server on 127.0.0.1 (a free port).
import assert from "node:assert/strict";
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { createLogger, hashSecret, systemClock } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { allowedHostNames } from "../src/host-check.js";
import { createDashboardServer, listenOn } from "../src/http-server.js";
import { LoginLimiter } from "../src/login-limiter.js";
import { loginRoutes } from "../src/login-routes.js";
import { createPasswordCheck } from "../src/passwords.js";
import { SessionStore, type SessionUser } from "../src/sessions.js";
import { createUpgradeHandler, type UpgradeHandler } from "../src/upgrade.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe("dashboard auth over HTTP and the WebSocket handshake", () => {
  let server: Server;
  let port: number;
  let origin: string;
  let upgrade: UpgradeHandler;
  const logLines: string[] = [];
  const accepted: SessionUser[] = [];
  const PASSWORD = "correct horse battery";

  before(async () => {
    // A cheap cost: these tests check behaviour, not scrypt.
    const users = [
      { name: "alice", role: "admin" as const, password: await hashSecret(PASSWORD, { N: 16 }) },
      { name: "vera", role: "viewer" as const, password: await hashSecret("viewer pw", { N: 16 }) },
      // A real cost (~16 ms here), so that guesses sent at once overlap as on a Pi.
      { name: "slow", role: "viewer" as const, password: await hashSecret("slow pw", { N: 2 ** 13 }) },
    ];
    const sessions = new SessionStore({ idleHours: 12, maxDays: 30 }, users, systemClock);
    const log = createLogger({ service: "web", format: "json", stream: { write: (line: string) => logLines.push(line) } });
    upgrade = createUpgradeHandler({
      sessions,
      tls: false,
      allowedHosts: allowedHostNames({ hostname: "", addresses: [] }, []),
      maxClients: 2,
      onClient: (socket, who) => {
        accepted.push(who);
        socket.send(JSON.stringify({ t: "hello", ...who }));
      },
    });
    server = createDashboardServer({
      allowedHosts: allowedHostNames({ hostname: "", addresses: [] }, []),
      routes: loginRoutes({
        sessions,
        checkPassword: await createPasswordCheck(users),
        limiter: new LoginLimiter({ attempts: 5, baseS: 30, maxS: 900, trackedAddresses: 1000 }, systemClock),
        tls: false,
        log,
      }),
      upgrade,
      log,
    });
    port = (await listenOn(server, { host: "127.0.0.1", port: 0 })).port;
    origin = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      request.on("error", reject);
      request.end(body);
    });
  }
  const login = (name: string, password: string, headers: Record<string, string> = { Origin: origin }) =>
    send("POST", "/api/login", { "Content-Type": "application/json", ...headers }, JSON.stringify({ name, password }));
  const cookieOf = (answer: Answer) => answer.headers["set-cookie"]?.[0]?.split(";")[0] ?? "";

  /** 101 when the handshake is accepted (the socket is then closed), else the refusal's status. */
  function handshake(headers: Record<string, string>, path = "/ws"): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
      socket.on("unexpected-response", (request, response) => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
      socket.on("open", () => {
        socket.close();
        resolve(101);
      });
      socket.on("error", (error) => {
        if (!/Unexpected server response|socket hang up/.test(error.message)) reject(error);
      });
    });
  }

  it("answers a wrong password and an unknown user alike with 401, and logs no password", async () => {
    const wrong = await login("alice", "wrong password");
    const unknown = await login("mallory", "wrong password");
    assert.equal(wrong.status, 401);
    assert.deepEqual([unknown.status, unknown.body], [401, wrong.body]);
    assert.equal(wrong.headers["set-cookie"], undefined);
    assert.equal(logLines.join("").includes("wrong password"), false);
  });

  it("logs in with an HttpOnly SameSite=Strict cookie, which opens the WebSocket with the user's role", async () => {
    const answer = await login("alice", PASSWORD);
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { user: "alice", role: "admin" });
    const setCookie = answer.headers["set-cookie"]?.[0] ?? "";
    assert.match(setCookie, /^roomguard=[A-Za-z0-9_-]{43}; /);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(String(answer.headers["content-security-policy"]), /^default-src 'none'; script-src 'self'; /);
    assert.equal(answer.headers["x-content-type-options"], "nosniff");
    assert.equal(logLines.join("").includes(PASSWORD), false);
    const session = await send("GET", "/api/session", { Cookie: cookieOf(answer) });
    assert.deepEqual(JSON.parse(session.body), { user: "alice", role: "admin" });
    assert.equal(await handshake({ Origin: origin, Cookie: cookieOf(answer) }), 101);
    assert.deepEqual(accepted.at(-1), { user: "alice", role: "admin" });
  });

  it("refuses the handshake without a session, with a forged or logged-out cookie (401)", async () => {
    const answer = await login("vera", "viewer pw");
    const cookie = cookieOf(answer);
    assert.equal(await handshake({ Origin: origin }), 401);
    assert.equal(await handshake({ Origin: origin, Cookie: `roomguard=${"A".repeat(43)}` }), 401);
    assert.equal(await handshake({ Origin: origin, Cookie: "roomguard=not-even-the-form" }), 401);
    const logout = await send("POST", "/api/logout", { Origin: origin, Cookie: cookie });
    assert.equal(logout.status, 204);
    assert.match(logout.headers["set-cookie"]?.[0] ?? "", /^roomguard=; .*Max-Age=0/);
    assert.equal(await handshake({ Origin: origin, Cookie: cookie }), 401);
    const after = await send("GET", "/api/session", { Cookie: cookie });
    assert.deepEqual([after.status, JSON.parse(after.body)], [200, { user: null }], "logged out");
  });

  it("refuses a missing or foreign Origin (403), a foreign Host (421) and another path (404)", async () => {
    const cookie = cookieOf(await login("vera", "viewer pw"));
    const before = accepted.length;
    assert.equal(await handshake({ Cookie: cookie }), 403);
    assert.equal(await handshake({ Origin: "http://evil.example", Cookie: cookie }), 403);
    assert.equal(await handshake({ Origin: "http://evil.example", Cookie: cookie, Host: "evil.example" }), 421);
    assert.equal(await handshake({ Origin: origin, Cookie: cookie }, "/other"), 404);
    assert.equal(accepted.length, before);
    assert.equal((await login("vera", "viewer pw", { Origin: "http://evil.example" })).status, 403);
    assert.equal((await login("vera", "viewer pw", {})).status, 403);
    assert.equal((await send("GET", "/api/session", { Host: `evil.example:${port}`, Cookie: cookie })).status, 421);
  });

  it("refuses a login body that is not small JSON", async () => {
    assert.equal((await send("POST", "/api/login", { Origin: origin, "Content-Type": "text/plain" }, "{}")).status, 415);
    assert.equal((await send("POST", "/api/login", { Origin: origin, "Content-Type": "application/json" }, "{")).status, 400);
    assert.equal((await send("POST", "/api/login", { Origin: origin, "Content-Type": "application/json" }, "[1]")).status, 400);
    const huge = JSON.stringify({ name: "alice", password: "x".repeat(10_000) });
    assert.equal((await send("POST", "/api/login", { Origin: origin, "Content-Type": "application/json" }, huge)).status, 413);
    // Without Content-Length (chunked) the read stops at the limit all the same.
    const chunked = await send(
      "POST",
      "/api/login",
      { Origin: origin, "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
      huge,
    );
    assert.equal(chunked.status, 413);
  });

  it("limits failed logins per address with a clear message and Retry-After; the right password waits too", async () => {
    // 127.0.0.2 is loopback too, but another address for the limiter.
    const from = (localAddress: string, password: string, name = "vera") =>
      new Promise<Answer>((resolve, reject) => {
        const body = JSON.stringify({ name, password });
        const request = httpRequest(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/api/login",
            localAddress,
            agent: false,
            headers: { Origin: origin, "Content-Type": "application/json" },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
            );
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from("127.0.0.3", "guess")).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const limited = await from("127.0.0.3", "viewer pw");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers["retry-after"], "30");
    assert.deepEqual(JSON.parse(limited.body), { error: "too many failed logins from your address; try again in 30 s" });
    assert.equal((await from("127.0.0.4", "viewer pw")).status, 200, "another address is unaffected");
    // Sent at once, 20 guesses are not 20 checks: those in flight count against the attempts.
    const burst = await Promise.all(Array.from({ length: 20 }, () => from("127.0.0.5", "guess", "slow")));
    const counts = burst.reduce<Record<number, number>>((all, { status }) => ({ ...all, [status]: (all[status] ?? 0) + 1 }), {});
    assert.deepEqual(counts, { 401: 5, 429: 15 });
  });

  it("refuses a page past web.clients.max with 503, and takes one again once a page closes", async () => {
    await waitUntil(() => upgrade.clients === 0, { what: "the earlier tests' sockets to close" });
    const cookie = cookieOf(await login("vera", "viewer pw"));
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: origin, Cookie: cookie } });
        socket.once("message", () => resolve(socket));
        socket.once("error", reject);
      });
    const held = [await open(), await open()];
    assert.equal(await handshake({ Origin: origin, Cookie: cookie }), 503);
    held[0]?.close();
    await waitUntil(() => upgrade.clients === 1, { what: "the closed page to be uncounted" });
    assert.equal(await handshake({ Origin: origin, Cookie: cookie }), 101);
    held[1]?.close();
  });
});
