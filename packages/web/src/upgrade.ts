import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type ServerOptions, type WebSocket } from "ws";
import { sessionIdOf } from "./cookies.js";
import { isAllowedHost } from "./host-check.js";
import { originProblem } from "./origin-check.js";
import { refuseUpgrade } from "./responses.js";
import { hashSessionId, type SessionStore, type SessionUser } from "./sessions.js";

/** The WebSocket's path on the dashboard's server. */
export const WEBSOCKET_PATH = "/ws";

/** What the upgrade handler checks against and whom it hands an accepted socket. */
export interface UpgradeDeps {
  sessions: SessionStore;
  tls: boolean;
  allowedHosts: ReadonlySet<string>;
  /** Open sockets at once (`web.clients.max`); more are refused with 503. */
  maxClients: number;
  /**
   * Called with each accepted socket, its session's user and the session's id hash (to close the
   * page when the session ends: {@link SessionStore.isLive}): the gateway takes it from here.
   */
  onClient(socket: WebSocket, who: SessionUser, sessionHash: string): void;
}

/** The server's `upgrade` listener, and how many sockets it has open. */
export interface UpgradeHandler {
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly clients: number;
}

/**
 * Authenticates a WebSocket handshake before ws sees it (ws's README discourages
 * `verifyClient`): the path is `/ws` (404), the Host is ours (421), the Origin is our page
 * (403), the cookie is a live session (401), and there is room (503). Frames are at most
 * 4 KiB, permessage-deflate is off (its memory per socket and its compression oracles are not
 * worth it for small JSON), and a close handshake waits 2 s, not ws's 30.
 */
export function createUpgradeHandler(deps: UpgradeDeps): UpgradeHandler {
  // closeTimeout is ws 8.19's; @types/ws 8.18 does not list it, so the options are not a literal.
  const options = { noServer: true, perMessageDeflate: false, maxPayload: 4096, clientTracking: false, closeTimeout: 2000 };
  const server = new WebSocketServer(options satisfies ServerOptions & { closeTimeout: number });
  let clients = 0;
  return {
    get clients() {
      return clients;
    },
    handle(request, socket, head) {
      // A peer that resets mid-handshake must not become an uncaught error.
      socket.on("error", () => socket.destroy());
      const path = (request.url ?? "").split("?")[0];
      if (path !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, "no WebSocket here; the dashboard's is /ws");
      if (!isAllowedHost(request.headers.host, deps.allowedHosts))
        return refuseUpgrade(socket, 421, "this server does not answer to that Host");
      const originRefusal = originProblem(request.headers.origin, request.headers.host, deps.tls);
      if (originRefusal !== undefined) return refuseUpgrade(socket, 403, `refused: ${originRefusal}`);
      const sessionId = sessionIdOf(request.headers.cookie, deps.tls);
      const who = deps.sessions.use(sessionId);
      if (who === undefined) return refuseUpgrade(socket, 401, "not logged in, or the session ended: log in again");
      if (clients >= deps.maxClients) return refuseUpgrade(socket, 503, "too many open pages; close one and reload");
      // Counted once ws accepts (a malformed handshake never gets here, and must not count).
      server.handleUpgrade(request, socket, head, (webSocket) => {
        clients++;
        webSocket.once("close", () => clients--);
        deps.onClient(webSocket, who, hashSessionId(sessionId ?? ""));
      });
    },
  };
}
