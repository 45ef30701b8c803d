import type { Logger } from "@roomguard/runtime";
import type { WebSocket } from "ws";
import { PROTOCOL_VERSION } from "../page/protocol.js";
import type { SessionUser } from "./sessions.js";

/** What the gateway needs. Task B's bus feed, state store and commands join these. */
export interface WebServiceDeps {
  log: Logger;
  /** Whether the page is served without TLS off loopback: every page is told, to show a warning. */
  insecure: boolean;
  /** Whether a session (by id hash) still stands, marking it used (its page is open): SessionStore.isLive with touch. */
  isSessionLive(sessionHash: string): boolean;
}

/** The gateway behind the WebSocket: one per process. */
export interface WebService {
  /** Takes an authenticated socket (upgrade.ts's `onClient`). */
  onClient(socket: WebSocket, who: SessionUser, sessionHash: string): void;
  /** Closes with 4401 every page whose session has ended (logout, expiry, user removed); after each logout and periodically. */
  closeEndedSessions(): void;
  /** Open pages, for STATUS. */
  clients(): number;
  /** Says `bye` and closes every socket with 1001 (going away), terminating any still open after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The gateway skeleton: greets each page with `hello` and closes them all cleanly at stop.
 * The snapshot, changes, commands and backpressure come with the gateway (issue 15, task B).
 */
export function createWebService(deps: WebServiceDeps): WebService {
  const sockets = new Map<WebSocket, string>();
  return {
    onClient(socket, who, sessionHash) {
      sockets.set(socket, sessionHash);
      socket.once("close", () => sockets.delete(socket));
      // A socket error (a reset, a frame over maxPayload) ends that socket only.
      socket.on("error", (error) => deps.log.debug("a page's socket failed", { user: who.user, error: error.message }));
      socket.send(
        JSON.stringify({ t: "hello", v: PROTOCOL_VERSION, user: who.user, role: who.role, insecure: deps.insecure, now: Date.now() }),
      );
    },
    closeEndedSessions() {
      for (const [socket, sessionHash] of sockets)
        if (!deps.isSessionLive(sessionHash)) {
          socket.send(JSON.stringify({ t: "bye", reason: "session-ended" }));
          socket.close(4401, "the session ended: log in again");
        }
    },
    clients: () => sockets.size,
    async stop(graceMs = 1000) {
      const closed = [...sockets.keys()].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) return resolve();
            socket.once("close", () => resolve());
            socket.send(JSON.stringify({ t: "bye", reason: "stopping" }));
            socket.close(1001, "the dashboard is stopping");
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const socket of sockets.keys()) socket.terminate();
    },
  };
}
