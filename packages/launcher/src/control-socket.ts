import { serveRequests, type RequestHandlers } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { Hints } from "./hints.js";

/**
 * Serves the launcher's commands (commands.ts's launcherHandlers) to `roomguard ctl` on its
 * control socket (`launcher.control`): typed requests and replies, docs/protocol.md's
 * "Requests and replies". `hints` spell the command a refused bind suggests.
 *
 * The commands can stop the appliance: serveRequests makes an `ipc://` socket file mode 0660 (only
 * the launcher's user and group may connect).
 */
export async function serveCommands(endpoint: string, handlers: RequestHandlers, log: Logger, hints: Hints): Promise<{ close(): void }> {
  let server;
  try {
    server = await serveRequests({ endpoint, service: "launcher", configKey: "launcher.control", handlers, log });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw taken ? new Error(`${(error as Error).message}: \`${hints.command("status")}\` asks it`, { cause: error }) : error;
  }
  if (!endpoint.startsWith("ipc://") || endpoint.startsWith("ipc://@")) {
    log.info("control socket open to every local user (an ipc:// file for launcher.control keeps them out)", { endpoint });
    return server;
  }
  log.info("control socket for this user and its group only (mode 0660)", { endpoint });
  return server;
}
