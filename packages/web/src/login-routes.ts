import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@roomguard/runtime";
import { clearedSessionCookie, sessionCookie, sessionIdOf } from "./cookies.js";
import type { LoginLimiter } from "./login-limiter.js";
import { originProblem } from "./origin-check.js";
import type { CheckPassword } from "./passwords.js";
import { BodyError, readJsonBody } from "./request-body.js";
import { sendError, sendJson } from "./responses.js";
import type { SessionStore } from "./sessions.js";

/** A route's handler; the server has checked the Host already. */
export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<void> | void;

/** What the login routes need. `onSessionsChanged` lets the session file follow (a restart keeps the page logged in). */
export interface LoginDeps {
  sessions: SessionStore;
  checkPassword: CheckPassword;
  limiter: LoginLimiter;
  tls: boolean;
  log: Logger;
  onSessionsChanged?: () => void;
}

/**
 * `POST /api/login` (`{"name","password"}` → a session cookie and `{user, role}`; 401 for a
 * wrong name or password alike; 429 with Retry-After while the address waits), `POST
 * /api/logout` (ends the session, clears the cookie) and `GET /api/session` (who is logged in,
 * or `{"user": null}`: a 200, since a page that merely asks is no failed request in its console). POSTs must come from our own page (Origin).
 */
export function loginRoutes(deps: LoginDeps): Record<string, Route> {
  const { sessions, limiter, tls, log } = deps;
  const fromOurPage = (request: IncomingMessage, response: ServerResponse): boolean => {
    const problem = originProblem(request.headers.origin, request.headers.host, tls);
    if (problem !== undefined) sendError(response, 403, `refused: ${problem}`);
    return problem === undefined;
  };

  return {
    "POST /api/login": async (request, response) => {
      if (!fromOurPage(request, response)) return;
      const address = request.socket.remoteAddress ?? "unknown";
      const verdict = limiter.begin(address);
      if (!verdict.ok) return sendError(response, 429, verdict.message, { "Retry-After": String(verdict.retryAfterS) });
      let body: unknown;
      try {
        body = await readJsonBody(request);
      } catch (error) {
        limiter.abandon(address);
        if (error instanceof BodyError) return sendError(response, error.status, error.message, { Connection: "close" });
        throw error;
      }
      const { name, password } = (body ?? {}) as { name?: unknown; password?: unknown };
      if (typeof name !== "string" || typeof password !== "string") {
        limiter.abandon(address);
        return sendError(response, 400, 'expected {"name": "…", "password": "…"}');
      }
      const who = await deps.checkPassword(name, password).catch((error: unknown) => {
        limiter.abandon(address);
        throw error;
      });
      if (who === "busy") {
        limiter.abandon(address);
        return sendError(response, 503, "too many logins at once; try again in a moment", { "Retry-After": "1" });
      }
      if (who === null) {
        limiter.fail(address);
        // The name is the client's text: logged as JSON data, never the password.
        log.warn("failed dashboard login", { address, name: name.slice(0, 64) });
        return sendError(response, 401, "wrong name or password");
      }
      limiter.succeed(address);
      const id = sessions.create(who.user);
      deps.onSessionsChanged?.();
      log.info("dashboard login", { address, user: who.user, role: who.role });
      sendJson(response, 200, who, { "Set-Cookie": sessionCookie(id, { tls, maxAgeS: sessions.cookieMaxAgeS() }) });
    },
    "POST /api/logout": (request, response) => {
      if (!fromOurPage(request, response)) return;
      if (sessions.revoke(sessionIdOf(request.headers.cookie, tls))) deps.onSessionsChanged?.();
      response.writeHead(204, { "Set-Cookie": clearedSessionCookie({ tls }), "Cache-Control": "no-store" }).end();
    },
    "GET /api/session": (request, response) => {
      const who = sessions.use(sessionIdOf(request.headers.cookie, tls));
      if (who === undefined) return sendJson(response, 200, { user: null });
      sendJson(response, 200, who);
    },
  };
}
