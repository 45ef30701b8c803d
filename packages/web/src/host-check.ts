// DNS rebinding: a page on evil.example whose name is made to resolve to 127.0.0.1 reaches the
// dashboard with the browser's blessing, but its requests say `Host: evil.example`. Only the
// names and addresses this machine answers to are served.

/** What a `Host` header (or an Origin's authority) names, lower-case, without port or brackets; undefined when malformed. */
export function hostNameOf(authority: string | undefined): string | undefined {
  if (authority === undefined) return undefined;
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::\d{1,5})?$/.exec(authority.trim().toLowerCase());
  if (match === null) return undefined;
  return (match[1] ?? match[2] ?? "").replace(/\.$/, "");
}

/**
 * The host names the dashboard answers to: localhost and the loopback addresses, the machine's
 * name and `name.local` (mDNS), its interface addresses, and `web.hostnames`. main.ts gathers
 * the machine's from node:os; this stays pure.
 */
export function allowedHostNames(machine: { hostname: string; addresses: readonly string[] }, extra: readonly string[]): Set<string> {
  const names = ["localhost", "127.0.0.1", "::1", ...machine.addresses, ...extra];
  if (machine.hostname !== "") names.push(machine.hostname, `${machine.hostname}.local`);
  return new Set(names.map((name) => name.toLowerCase().replace(/%.*$/, "")));
}

/** Whether the request's `Host` header names this machine (see {@link allowedHostNames}). A missing Host is refused. */
export function isAllowedHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  const name = hostNameOf(hostHeader);
  return name !== undefined && allowed.has(name);
}
