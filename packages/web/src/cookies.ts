// The session cookie. HttpOnly keeps it from the page's scripts, SameSite=Strict from requests
// other sites start. Under TLS it is Secure and named `__Host-…`: the browser then takes it only
// over HTTPS, for this host alone, with Path=/, so neither a plain-HTTP page nor a sibling
// subdomain can plant a cookie that shadows it.

/** The session cookie's name: `__Host-roomguard` under TLS, `roomguard` on plain HTTP. */
export function sessionCookieName(tls: boolean): string {
  return tls ? "__Host-roomguard" : "roomguard";
}

/** The `Set-Cookie` value that hands `id` to the browser for `maxAgeS` seconds. */
export function sessionCookie(id: string, options: { tls: boolean; maxAgeS: number }): string {
  const attributes = [`Path=/`, "HttpOnly", "SameSite=Strict", `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`];
  if (options.tls) attributes.push("Secure");
  return [`${sessionCookieName(options.tls)}=${id}`, ...attributes].join("; ");
}

/** The `Set-Cookie` value that makes the browser forget its session cookie (logout). */
export function clearedSessionCookie(options: { tls: boolean }): string {
  return sessionCookie("", { tls: options.tls, maxAgeS: 0 });
}

/** Longest `Cookie` header read: node already caps all headers at 16 KiB. */
const MAX_COOKIE_HEADER = 8192;

/**
 * The cookies of a `Cookie` header, name → value (the first of a name wins, as in browsers'
 * own order: the most specific path first). Pairs without `=` are skipped; nothing throws.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined || header.length > MAX_COOKIE_HEADER) return cookies;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    let value = pair.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name !== "" && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** The session id the request's `Cookie` header carries, if any. */
export function sessionIdOf(header: string | undefined, tls: boolean): string | undefined {
  const id = parseCookies(header).get(sessionCookieName(tls));
  return id === "" ? undefined : id;
}
