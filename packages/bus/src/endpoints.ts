/**
 * The address a client connects to for an endpoint the router binds: a wildcard host
 * (`*`, `0.0.0.0`) becomes loopback. A wildcard port cannot be connected to.
 */
export function connectAddress(endpoint: string): string {
  const tcp = /^tcp:\/\/([^:/]+):(.+)$/.exec(endpoint);
  if (!tcp) return endpoint;
  if (tcp[2] === "*" || tcp[2] === "0") {
    throw new Error(`cannot connect to ${endpoint}: the port is chosen by the router at bind time`);
  }
  const host = tcp[1] === "*" || tcp[1] === "0.0.0.0" ? "127.0.0.1" : tcp[1];
  return `tcp://${host ?? "127.0.0.1"}:${tcp[2]}`;
}
