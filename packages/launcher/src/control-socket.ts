import { serveRequests, type RequestHandlers } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { Hints } from "./hints.js";

/**
 * Serves the launcher's commands (commands.ts's launcherHandlers) to `roomguard ctl` on its
 * control socket (`launcher.control`): typed requests and replies, docs/protocol.md's
 * "Requests and replies". `hints` spell the command a refused bind suggests.
 */
export async function serveCommands(endpoint: string, handlers: RequestHandlers, log: Logger, hints: Hints): Promise<{ close(): void }> {
  try {
    return await serveRequests({ endpoint, service: "launcher", configKey: "launcher.control", handlers, log });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw taken ? new Error(`${(error as Error).message}: \`${hints.command("status")}\` asks it`, { cause: error }) : error;
  }
}
