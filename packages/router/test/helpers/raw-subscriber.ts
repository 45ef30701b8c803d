import net from "node:net";
import { encodeMessage } from "@roomguard/journal";
import { zmtpHandshake } from "../../src/zmtp.js";

/** A SUB peer that speaks ZMTP by hand: it sends what it is told, keeps nothing, never reconnects. */
export interface RawSubscriber {
  /** Sends subscriptions as ZMTP 3.0 subscribe messages (`\x01` and the prefix). */
  subscribe(prefixes: Iterable<string>): void;
  /** Resolves when the router has closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

/**
 * Connects to a router's OUT endpoint (`ipc://…` or `tcp://host:port`) as a ZMTP subscriber.
 * An attacker needs no more; a libzmq SUB would also keep every subscription in a trie of its
 * own, costing the test process what the attack used to cost every publisher.
 */
export async function rawSubscriber(endpoint: string): Promise<RawSubscriber> {
  const socket = endpoint.startsWith("ipc://")
    ? net.connect({ path: endpoint.slice("ipc://".length) })
    : net.connect(Number(endpoint.split(":").pop()), endpoint.slice("tcp://".length).split(":")[0]);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  await zmtpHandshake(socket, "SUB");
  socket.resume(); // what the router sends is not read
  return {
    subscribe(prefixes) {
      for (const prefix of prefixes) {
        if (socket.destroyed) return;
        socket.write(encodeMessage([Buffer.concat([Buffer.from([1]), Buffer.from(prefix)])]));
      }
    },
    closed,
    close: () => socket.destroy(),
  };
}
