// What the web tests share: logging in over HTTP, and a page's WebSocket that keeps every message it gets.
import { WebSocket } from "ws";
import type { ServiceProcess } from "@roomguard/testing";
import { waitUntil } from "@roomguard/testing";

/** The URL a started dashboard logged (`the dashboard is at …`), without its trailing slash. */
export async function urlOf(process: ServiceProcess): Promise<string> {
  const line = await process.waitForLog((entry) => typeof entry.url === "string", 15_000);
  return String(line.url).replace(/\/$/, "");
}

/** Logs in; resolves with the session cookie (`name=value`). */
export async function login(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/login`, {
    method: "POST",
    headers: { Origin: url, "Content-Type": "application/json" },
    body: JSON.stringify({ name, password }),
  });
  if (response.status !== 200) throw new Error(`login of ${name} answered ${response.status}: ${await response.text()}`);
  return (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

export type PageMessage = Record<string, unknown> & { t: string };

/** A page's socket: every message it got, in order, and requests answered by id. */
export interface TestPage {
  socket: WebSocket;
  messages: PageMessage[];
  /** The first message (after `from`) matching, waiting for it. */
  next(what: string, match: (message: PageMessage) => boolean, timeoutMs?: number): Promise<PageMessage>;
  /** Sends `{t:"req"}` and resolves with its reply. */
  ask(cmd: string, args?: Record<string, unknown>): Promise<PageMessage>;
  close(): void;
}

let ids = 0;

/** Opens `/ws` with a session cookie and resolves once `hello` and the snapshot came. */
export async function openPage(url: string, cookie: string): Promise<TestPage> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, { headers: { Origin: url, Cookie: cookie } });
  const messages: PageMessage[] = [];
  socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString()) as PageMessage));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const next = async (what: string, match: (message: PageMessage) => boolean, timeoutMs = 5000): Promise<PageMessage> =>
    waitUntil(() => messages.find(match), { what, timeoutMs, intervalMs: 2 });
  await next("the snapshot", (message) => message.t === "snapshot");
  return {
    socket,
    messages,
    next,
    async ask(cmd, args) {
      const id = `q${++ids}`;
      socket.send(JSON.stringify({ t: "req", id, cmd, ...(args === undefined ? {} : { args }) }));
      return next(`the reply to ${cmd}`, (message) => message.t === "reply" && message.id === id, 15_000);
    },
    close: () => socket.terminate(),
  };
}
