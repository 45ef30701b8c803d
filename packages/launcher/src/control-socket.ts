import { chmodSync } from "node:fs";
import { serveRequests, type RequestHandlers } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { Hints } from "./hints.js";

/**
 * Serves the launcher's commands (commands.ts's launcherHandlers) to `roomguard ctl` on its
 * control socket (`launcher.control`): typed requests and replies, docs/protocol.md's
 * "Requests and replies". `hints` spell the command a refused bind suggests.
 *
 * The commands can stop the appliance, so an `ipc://` socket file is made mode 0660 once bound:
 * only the launcher's user and group may connect (connecting needs write permission on it).
 */
export async function serveCommands(endpoint: string, handlers: RequestHandlers, log: Logger, hints: Hints): Promise<{ close(): void }> {
  let server;
  try {
    server = await serveRequests({ endpoint, service: "launcher", configKey: "launcher.control", handlers, log });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw taken ? new Error(`${(error as Error).message}: \`${hints.command("status")}\` asks it`, { cause: error }) : error;
  }
  const file = endpoint.startsWith("ipc://") && !endpoint.startsWith("ipc://@") ? endpoint.slice("ipc://".length) : undefined;
  if (file === undefined) {
    log.info("control socket open to every local user (an ipc:// file for launcher.control keeps them out)", { endpoint });
    return server;
  }
  try {
    chmodSync(file, 0o660);
  } catch (error) {
    server.close();
    throw new Error(`cannot limit ${endpoint} (launcher.control) to this user and group: ${(error as Error).message}`, { cause: error });
  }
  log.info("control socket for this user and its group only (mode 0660)", { endpoint });
  return server;
}
