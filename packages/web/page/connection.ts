/**
 * The page's WebSocket: connects, tells the page every message, notices when the gateway has
 * gone quiet (STALE_AFTER_MS without a frame), reconnects with the backoff schedule, and ends
 * at close 4401 (the session is over: the page shows its login form). Requests are matched to
 * their replies by id. No DOM here: the socket, the clock and the timers are given, so Node
 * tests drive it with fakes.
 */
import { backoffDelayMs } from "./backoff.js";
import { STALE_AFTER_MS, type Command, type ReplyError, type ServerMessage } from "./protocol.js";

/** What connection.ts needs of a WebSocket (the browser's fits). */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionDeps {
  openSocket(): SocketLike;
  nowMs(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  random?: () => number;
  /** A request with no reply after this long resolves as `timeout`. Default 10 s. */
  requestTimeoutMs?: number;
}

/** Where the connection stands, for the banner. */
export type ConnectionStatus =
  | { kind: "connecting"; attempt: number }
  | { kind: "live" }
  /** Down; the next attempt is at `retryAtMs` (our clock). */
  | { kind: "lost"; why: string; retryAtMs: number; attempt: number }
  /** The session ended (close 4401 or `bye: session-ended`): no reconnect. */
  | { kind: "ended" }
  | { kind: "stopped" };

export interface ConnectionEvents {
  onMessage(message: ServerMessage, receivedAtMs: number): void;
  onStatus(status: ConnectionStatus): void;
  /** A socket closed before its `hello`: the cookie may have expired (the page asks /api/session). */
  onFailedConnect?(): void;
}

/** How a request went: the gateway's answer, or why there was none (`offline`, `timeout`). */
export type RequestOutcome = { ok: true; result: unknown } | { ok: false; error: ReplyError | "offline" | "timeout"; message: string };

export interface Connection {
  start(): void;
  /** Closes for good (logout, page leaving). */
  stop(): void;
  /** Skips the wait of a lost connection. */
  retryNow(): void;
  request(cmd: Command, args?: Record<string, unknown>): Promise<RequestOutcome>;
  status(): ConnectionStatus;
}

/** Close code the gateway uses when the session is over. */
export const CLOSE_SESSION_ENDED = 4401;
/** Close code the page uses for a socket it gave up on (stale). */
const CLOSE_STALE = 4000;

const BYE_WORDS: Record<Extract<ServerMessage, { t: "bye" }>["reason"], string> = {
  stopping: "the dashboard is restarting",
  "session-ended": "your session ended",
  "too-slow": "this page fell behind",
};

export function createConnection(deps: ConnectionDeps, events: ConnectionEvents): Connection {
  const random = deps.random ?? Math.random;
  const requestTimeoutMs = deps.requestTimeoutMs ?? 10_000;
  let socket: SocketLike | null = null;
  let status: ConnectionStatus = { kind: "stopped" };
  let attempt = 0;
  let greeted = false;
  let byeReason: string | undefined;
  let staleTimer: unknown;
  let retryTimer: unknown;
  let nextId = 1;
  const pending = new Map<string, { resolve: (outcome: RequestOutcome) => void; timer: unknown }>();

  const setStatus = (next: ConnectionStatus): void => {
    status = next;
    events.onStatus(next);
  };

  const settleAll = (message: string): void => {
    for (const [id, request] of pending) {
      deps.clearTimer(request.timer);
      pending.delete(id);
      request.resolve({ ok: false, error: "offline", message });
    }
  };

  const detach = (): void => {
    deps.clearTimer(staleTimer);
    if (socket === null) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    socket = null;
  };

  const armStale = (): void => {
    deps.clearTimer(staleTimer);
    staleTimer = deps.setTimer(() => {
      const stale = socket;
      detach();
      stale?.close(CLOSE_STALE, "no message");
      lost(`no message for ${Math.round(STALE_AFTER_MS / 1000)} s`);
    }, STALE_AFTER_MS);
  };

  const lost = (why: string): void => {
    settleAll("the connection was lost before the reply");
    const delay = backoffDelayMs(attempt, random);
    setStatus({ kind: "lost", why, retryAtMs: deps.nowMs() + delay, attempt });
    attempt += 1;
    deps.clearTimer(retryTimer);
    retryTimer = deps.setTimer(connect, delay);
  };

  const onFrame = (data: unknown): void => {
    armStale();
    if (typeof data !== "string") return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (typeof message !== "object" || message === null || typeof message.t !== "string") return;
    const receivedAt = deps.nowMs();
    if (message.t === "hello") {
      greeted = true;
      attempt = 0;
      setStatus({ kind: "live" });
    } else if (message.t === "reply") {
      const request = pending.get(message.id);
      if (request !== undefined) {
        pending.delete(message.id);
        deps.clearTimer(request.timer);
        request.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error, message: message.message });
      }
    } else if (message.t === "bye") {
      byeReason = BYE_WORDS[message.reason] ?? "the dashboard closed the connection";
      if (message.reason === "session-ended") return end();
    }
    events.onMessage(message, receivedAt);
  };

  const end = (): void => {
    const last = socket;
    detach();
    last?.close();
    deps.clearTimer(retryTimer);
    settleAll("the session ended");
    setStatus({ kind: "ended" });
  };

  function connect(): void {
    detach();
    greeted = false;
    byeReason = undefined;
    setStatus({ kind: "connecting", attempt });
    let opened: SocketLike;
    try {
      opened = deps.openSocket();
    } catch {
      return lost("the address could not be opened");
    }
    socket = opened;
    armStale();
    opened.onmessage = (event) => onFrame(event.data);
    opened.onclose = (event) => {
      const wasGreeted = greeted;
      detach();
      if (event.code === CLOSE_SESSION_ENDED) return end();
      if (!wasGreeted) events.onFailedConnect?.();
      lost(byeReason ?? (wasGreeted ? "the connection dropped" : "the dashboard cannot be reached"));
    };
    // An error is followed by close; close says what to do.
    opened.onerror = () => undefined;
  }

  return {
    start() {
      if (status.kind === "stopped" || status.kind === "ended") {
        attempt = 0;
        connect();
      }
    },
    stop() {
      const last = socket;
      detach();
      last?.close(1000, "page closed");
      deps.clearTimer(retryTimer);
      settleAll("the page closed the connection");
      setStatus({ kind: "stopped" });
    },
    retryNow() {
      if (status.kind === "lost") {
        deps.clearTimer(retryTimer);
        connect();
      }
    },
    request(cmd, args = {}) {
      if (socket === null || status.kind !== "live") return Promise.resolve({ ok: false, error: "offline", message: "not connected" });
      const id = `r${nextId++}`;
      const text = JSON.stringify({ t: "req", id, cmd, args });
      return new Promise<RequestOutcome>((resolve) => {
        const timer = deps.setTimer(() => {
          pending.delete(id);
          resolve({ ok: false, error: "timeout", message: "no answer from the dashboard" });
        }, requestTimeoutMs);
        pending.set(id, { resolve, timer });
        try {
          socket?.send(text);
        } catch {
          deps.clearTimer(timer);
          pending.delete(id);
          resolve({ ok: false, error: "offline", message: "not connected" });
        }
      });
    },
    status: () => status,
  };
}
