import { hostNameOf } from "./host-check.js";

/**
 * Why a request's `Origin` is not the dashboard's own page, or undefined when it is. A browser
 * sends Origin with every WebSocket handshake and every POST, so a missing one is refused too
 * (only a non-browser client omits it, and it can send the right one). The Origin must be the
 * very scheme and authority the request came to (`Host`), so another site's page — or one on
 * plain HTTP while we serve TLS — cannot drive the socket with the user's cookie.
 */
export function originProblem(originHeader: string | undefined, hostHeader: string | undefined, tls: boolean): string | undefined {
  if (originHeader === undefined || originHeader === "" || originHeader === "null") return "no Origin header";
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return "a malformed Origin header";
  }
  const scheme = tls ? "https:" : "http:";
  if (origin.protocol !== scheme) return `an Origin of another scheme (expected ${scheme.slice(0, -1)})`;
  const host = hostHeader?.trim().toLowerCase();
  if (host === undefined || hostNameOf(host) === undefined) return "no valid Host header";
  const defaultPort = tls ? "443" : "80";
  const withPort = (authority: string) => (/:\d+$/.test(authority) ? authority : `${authority}:${defaultPort}`);
  if (withPort(origin.host) !== withPort(host)) return "a foreign Origin";
  return undefined;
}
