import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createConnection, type ConnectionStatus, type SocketLike } from "../page/connection.js";
import { STALE_AFTER_MS, type ServerMessage } from "../page/protocol.js";

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  sent: string[] = [];
  closedWith: number | undefined;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code = 1005): void {
    this.closedWith = code;
  }
  receive(message: ServerMessage | string): void {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: "" });
  }
}

/** A manual clock: timers fire only when the test advances it. */
function rig() {
  let now = 0;
  let nextHandle = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const sockets: FakeSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const messages: ServerMessage[] = [];
  let failedConnects = 0;
  const connection = createConnection(
    {
      openSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      nowMs: () => now,
      setTimer: (callback, ms) => {
        const handle = nextHandle++;
        timers.set(handle, { at: now + ms, callback });
        return handle;
      },
      clearTimer: (handle) => timers.delete(handle as number),
      random: () => 0.5,
      requestTimeoutMs: 5_000,
    },
    {
      onMessage: (message) => messages.push(message),
      onStatus: (status) => statuses.push(status),
      onFailedConnect: () => failedConnects++,
    },
  );
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = until;
  };
  return {
    connection,
    sockets,
    statuses,
    messages,
    advance,
    failedConnects: () => failedConnects,
    last: () => sockets[sockets.length - 1] as FakeSocket,
    status: () => statuses[statuses.length - 1],
  };
}

const hello: ServerMessage = { t: "hello", v: 1, user: "ann", role: "admin", insecure: false, sim: false, allowed: [], now: 0 };

describe("the page's connection", () => {
  it("is live at hello and passes every message on", () => {
    const r = rig();
    r.connection.start();
    assert.deepEqual(r.status(), { kind: "connecting", attempt: 0 });
    r.last().receive(hello);
    r.last().receive({ t: "tick", now: 5 });
    r.last().receive("not json");
    assert.deepEqual(r.status(), { kind: "live" });
    assert.deepEqual(
      r.messages.map((m) => m.t),
      ["hello", "tick"],
    );
  });
  it("reconnects after a drop with a growing delay, and from 1 s again once greeted", () => {
    const r = rig();
    r.connection.start();
    r.last().receive(hello);
    r.last().drop();
    assert.deepEqual(r.status(), { kind: "lost", why: "the connection dropped", retryAtMs: 1000, attempt: 0 });
    r.advance(999);
    assert.equal(r.sockets.length, 1);
    r.advance(1);
    assert.equal(r.sockets.length, 2);
    r.last().drop();
    assert.equal(r.failedConnects(), 1, "a close before hello may be an expired cookie");
    assert.deepEqual(r.status(), { kind: "lost", why: "the dashboard cannot be reached", retryAtMs: 3000, attempt: 1 });
    r.advance(2000);
    r.last().drop();
    assert.equal((r.status() as { retryAtMs: number }).retryAtMs - 3000, 4000);
    r.advance(4000);
    r.last().receive(hello);
    r.last().drop();
    assert.equal((r.status() as { attempt: number }).attempt, 0);
  });
  it("gives up on a socket that stays quiet for STALE_AFTER_MS, every frame resetting the wait", () => {
    const r = rig();
    r.connection.start();
    r.last().receive(hello);
    r.advance(STALE_AFTER_MS - 1);
    r.last().receive({ t: "tick", now: 1 });
    r.advance(STALE_AFTER_MS - 1);
    assert.equal(r.status()?.kind, "live");
    const quiet = r.last();
    r.advance(1);
    assert.equal(r.status()?.kind, "lost");
    assert.equal(quiet.closedWith, 4000);
    assert.equal(quiet.onmessage, null, "a late frame of the stale socket is not heard");
    r.advance(1000);
    assert.equal(r.sockets.length, 2);
  });
  it("ends without reconnecting at close 4401 or bye session-ended", () => {
    const r = rig();
    r.connection.start();
    r.last().receive(hello);
    r.last().drop(4401);
    assert.deepEqual(r.status(), { kind: "ended" });
    r.advance(60_000);
    assert.equal(r.sockets.length, 1);
    const s = rig();
    s.connection.start();
    s.last().receive(hello);
    s.last().receive({ t: "bye", reason: "session-ended" });
    assert.deepEqual(s.status(), { kind: "ended" });
    s.advance(60_000);
    assert.equal(s.sockets.length, 1);
  });
  it("says why when the gateway said bye before closing", () => {
    const r = rig();
    r.connection.start();
    r.last().receive(hello);
    r.last().receive({ t: "bye", reason: "stopping" });
    r.last().drop(1001);
    assert.equal((r.status() as { why: string }).why, "the dashboard is restarting");
  });
  it("matches replies to requests by id, and settles the rest as offline or timeout", async () => {
    const r = rig();
    assert.deepEqual(await r.connection.request("audit"), { ok: false, error: "offline", message: "not connected" });
    r.connection.start();
    r.last().receive(hello);
    const first = r.connection.request("arm", { mode: "away", code: "1234" });
    const second = r.connection.request("panic");
    const [a, b] = r.last().sent.map((text) => JSON.parse(text) as { id: string; cmd: string; args: unknown });
    assert.deepEqual({ cmd: a?.cmd, args: a?.args }, { cmd: "arm", args: { mode: "away", code: "1234" } });
    assert.notEqual(a?.id, b?.id);
    r.last().receive({ t: "reply", id: b?.id ?? "", ok: false, error: "refused", message: "refused: front is open" });
    r.last().receive({ t: "reply", id: a?.id ?? "", ok: true, result: { state: "arming" } });
    assert.deepEqual(await first, { ok: true, result: { state: "arming" } });
    assert.deepEqual(await second, { ok: false, error: "refused", message: "refused: front is open" });
    const slow = r.connection.request("audit");
    r.advance(5_000);
    assert.equal((await slow).ok, false);
    r.last().receive({ t: "tick", now: 0 });
    const cut = r.connection.request("audit");
    r.last().drop();
    assert.deepEqual(await cut, { ok: false, error: "offline", message: "the connection was lost before the reply" });
  });
  it("retries at once when asked, and stops for good", () => {
    const r = rig();
    r.connection.start();
    r.last().drop();
    r.connection.retryNow();
    assert.equal(r.sockets.length, 2);
    r.connection.stop();
    assert.equal(r.last().closedWith, 1000);
    r.advance(60_000);
    assert.equal(r.sockets.length, 2);
    assert.deepEqual(r.status(), { kind: "stopped" });
  });
});
