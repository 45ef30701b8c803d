import { accessSync, constants, existsSync } from "node:fs";

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

/** Why nothing answers at a connect address, as far as can be told from here. */
export function whyUnreachable(address: string): string {
  if (!address.startsWith("ipc://")) return "connection refused";
  const file = address.slice("ipc://".length);
  try {
    // Connecting to a Unix socket needs write permission on it (and on the way to it).
    accessSync(file, constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EACCES") return "permission denied: only the user and group it belongs to may connect";
  }
  return existsSync(file) ? "its socket file is there, but nothing accepts connections on it" : "there is no socket file";
}
