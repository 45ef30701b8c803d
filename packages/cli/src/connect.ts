import { BusClient } from "@roomguard/bus";
import type { RoomguardConfig } from "@roomguard/config";
import type { Output } from "./output.js";

/**
 * A bus client for a command, connected to the router within `timeoutMs`; throws
 * RouterUnreachableError (with a hint) instead of hanging when the router is not there.
 */
export async function connectToRouter(config: RoomguardConfig, timeoutMs: number, output: Output, quiet = false): Promise<BusClient> {
  let connectedOnce = false;
  const client = new BusClient({
    in: config.bus.in,
    out: config.bus.out,
    maxMessageSize: config.bus.maxMessageSize,
    onConnection: (connected) => {
      if (!connectedOnce || quiet) return;
      output.err(connected ? "# router connection back" : "# router connection lost; waiting for it to come back");
    },
  });
  try {
    await client.waitForRouter(timeoutMs);
  } catch (error) {
    await client.close();
    throw error;
  }
  connectedOnce = true;
  return client;
}
