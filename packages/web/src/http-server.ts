import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "@roomguard/runtime";
import { isAllowedHost } from "./host-check.js";
import type { ListenAddress } from "./listen-address.js";
import type { Route } from "./login-routes.js";
import { sendError } from "./responses.js";
import { securityHeaders } from "./security-headers.js";
import type { UpgradeHandler } from "./upgrade.js";

/** The dashboard server's parts. */
export interface DashboardServerOptions {
  /** PEM certificate and key (`web.tls`, read by main.ts); absent: plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  allowedHosts: ReadonlySet<string>;
  /** Handlers by `"METHOD /path"`. */
  routes: Record<string, Route>;
  upgrade: UpgradeHandler;
  /** Inline scripts the page has (its import map), allowed in the CSP by hash. */
  inlineScripts?: readonly string[];
  log: Logger;
}

/**
 * The dashboard's HTTP(S) server: every request's Host must be ours (421 otherwise, against DNS
 * rebinding), then it goes to its route (404 for none); WebSocket handshakes go to `upgrade`.
 * Every answer carries the security headers (security-headers.ts).
 * Slow or idle clients are cut by node's request and keep-alive timeouts, kept short here.
 */
export function createDashboardServer(options: DashboardServerOptions): Server {
  const { allowedHosts, routes, log } = options;
  const headers = Object.entries(securityHeaders(options.inlineScripts));
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    for (const [name, value] of headers) response.setHeader(name, value);
    if (!isAllowedHost(request.headers.host, allowedHosts)) return sendError(response, 421, "this server does not answer to that Host");
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const route = routes[`${request.method ?? "GET"} ${path}`];
    if (route === undefined) return sendError(response, 404, "not found");
    Promise.resolve(route(request, response)).catch((error: unknown) => {
      log.error("a request failed", { path, error });
      if (!response.headersSent) sendError(response, 500, "internal error");
      else response.destroy();
    });
  };
  const serverOptions = { requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 };
  const server = options.tls ? createHttps({ ...serverOptions, ...options.tls }, handle) : createHttp(serverOptions, handle);
  server.on("upgrade", (request: IncomingMessage, socket, head: Buffer) => options.upgrade.handle(request, socket, head));
  // A client that sends garbage or resets: answered by node or dropped, never a crash.
  server.on("clientError", (_error, socket) => socket.destroy());
  return server;
}

/** Starts listening; resolves with the address taken (the port chosen when `port` was 0). */
export function listenOn(server: Server, address: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
