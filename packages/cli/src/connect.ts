import { busClientFor, RouterUnreachableError, whyUnreachable, type BusClient } from "@roomguard/bus";
import type { LoadedConfig } from "@roomguard/config";
import type { Hints } from "@roomguard/launcher/hints";
import type { Output } from "./output.js";
import { UnreachableError } from "./unreachable-error.js";

/**
 * A bus client for a command, connected to the router within `timeoutMs`; throws
 * UnreachableError (with a hint for where the user is) instead of hanging when the router is not there.
 */
export async function connectToRouter(
  loaded: LoadedConfig,
  timeoutMs: number,
  output: Output,
  hints: Hints,
  quiet = false,
): Promise<BusClient> {
  let connectedOnce = false;
  const client = busClientFor(loaded, {
    onConnection: (connected) => {
      if (!connectedOnce || quiet) return;
      output.err(connected ? "# router connection back" : "# router connection lost; waiting for it to come back");
    },
  });
  try {
    await client.waitForRouter(timeoutMs);
  } catch (error) {
    await client.close();
    if (!(error instanceof RouterUnreachableError)) throw error;
    const { endpoints } = error;
    // An ipc socket says more than a timeout: most often, on the Pi, a user outside the roomguard group.
    const denied = [endpoints.in, endpoints.out]
      .map((endpoint) => ({ endpoint, why: whyUnreachable(endpoint) }))
      .find(({ why }) => why.startsWith("permission denied"));
    if (denied !== undefined) {
      throw new UnreachableError(
        `cannot reach the router at ${denied.endpoint}: ${denied.why}. ` +
          "On the Pi, the bus is the roomguard group's: `sudo usermod -aG roomguard $USER`, then log in again (or `newgrp roomguard`).",
        { cause: error },
      );
    }
    const only = hints.place === "installed" ? "" : ` (or the router alone: \`${hints.command("router")}\`)`;
    throw new UnreachableError(
      `cannot reach the router at ${endpoints.in} (publish) and ${endpoints.out} (subscribe) within ${timeoutMs} ms. ` +
        `${hints.startAdvice()}${only}, and check bus.in/bus.out in the config.`,
      { cause: error },
    );
  }
  connectedOnce = true;
  return client;
}
