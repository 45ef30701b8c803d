import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { Proxy, XPublisher, XSubscriber, type Event } from "zeromq";
import { watchSocketEvents } from "@roomguard/bus";
import { connectZmtpSubscriber, type ZmtpStream } from "./zmtp-subscriber.js";

export interface ForwarderOptions {
  /** Endpoint publishers connect to (config `bus.in`). */
  in: string;
  /** Endpoint subscribers connect to (config `bus.out`). */
  out: string;
  /** Larger messages get their publisher disconnected by libzmq (config `bus.maxMessageSize`). */
  maxMessageSize: number;
  /** Messages queued per subscriber before dropping (config `router.subscriberQueue`). */
  subscriberQueue: number;
  /** Messages read ahead per publisher (config `router.publisherQueue`). */
  publisherQueue: number;
  /** Messages queued for the tap (config `router.journalQueue`). */
  tapQueue: number;
  /** Socket events of the IN (`publisher`) and OUT (`subscriber`) side. */
  onEvent: (side: "publisher" | "subscriber", event: Event) => void;
}

export interface Forwarder {
  /** The endpoints as bound, with any `*` port resolved. */
  readonly endpoints: { in: string; out: string };
  /** In-process endpoints for the router's own bus client. */
  readonly internal: { in: string; out: string };
  /** Every forwarded message, as a ZMTP byte stream (paused: attach a reader, then resume). */
  readonly tap: ZmtpStream;
  /** Settles when the proxy ends: after `close()`, or on a failure. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

let instances = 0;

/**
 * The forwarding core. libzmq's own proxy moves messages from an XSUB socket (IN) to an
 * XPUB socket (OUT) in a native thread, and carries subscriptions back upstream, so a
 * publisher only sends what somebody wants. No JavaScript runs per message.
 *
 * The journal needs a copy of every message, but zeromq.js's Proxy has no capture
 * socket. So the XPUB gets one more subscriber: a raw ZMTP connection over a private
 * Unix socket, subscribed to everything. Its subscription is read off the XPUB before
 * the proxy starts, so it never travels upstream — publishers still send only what real
 * subscribers want, and the tap sees exactly what the router forwards.
 */
export async function openForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const id = `${process.pid}-${++instances}`;
  const tapDir = await mkdtemp(path.join(tmpdir(), "roomguard-router-"));
  const internal = { in: `inproc://roomguard-router-in-${id}`, out: `inproc://roomguard-router-out-${id}` };
  const xsub = new XSubscriber({ receiveHighWaterMark: options.publisherQueue, maxMessageSize: options.maxMessageSize, linger: 0 });
  // High-water marks are taken per endpoint at bind time: the tap's first, then the subscribers'.
  const xpub = new XPublisher({ sendHighWaterMark: options.tapQueue, linger: 0 });
  let proxy: Proxy<XSubscriber, XPublisher> | undefined;
  try {
    await xpub.bind(`ipc://${path.join(tapDir, "tap.sock")}`);
    const tap = await connectZmtpSubscriber(path.join(tapDir, "tap.sock"));
    const [subscription] = await xpub.receive();
    if (!subscription || subscription.length !== 1 || subscription[0] !== 1) {
      throw new Error("the journal tap's subscription did not arrive as expected");
    }

    xpub.sendHighWaterMark = options.subscriberQueue;
    // The tap holds the "" (everything) subscription, which would hide a real subscriber's
    // "" from the publishers. Passing every subscribe and unsubscribe upstream lets the
    // XSUB count them instead, and it counts only real subscribers.
    xpub.verbosity = "allSubsUnsubs";
    watchSocketEvents(xsub.events, (event) => options.onEvent("publisher", event));
    watchSocketEvents(xpub.events, (event) => options.onEvent("subscriber", event));
    await bindOrExplain(xpub, options.out, "bus.out");
    const out = xpub.lastEndpoint ?? options.out;
    await xpub.bind(internal.out);
    await bindOrExplain(xsub, options.in, "bus.in");
    const inEndpoint = xsub.lastEndpoint ?? options.in;
    await xsub.bind(internal.in);

    const running = new Proxy(xsub, xpub);
    proxy = running;
    const done = running.run();
    let closing: Promise<void> | undefined;
    return {
      endpoints: { in: inEndpoint, out },
      internal,
      tap,
      done,
      close() {
        closing ??= (async () => {
          // Holding `running` here keeps the Proxy (and so its sockets) from being garbage
          // collected while libzmq's thread still uses them: that crashes the process.
          running.terminate();
          await done.catch(() => undefined);
          tap.socket.destroy();
          await rm(tapDir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    if (!proxy) {
      xsub.close();
      xpub.close();
    }
    await rm(tapDir, { recursive: true, force: true });
    throw error;
  }
}

async function bindOrExplain(socket: XSubscriber | XPublisher, endpoint: string, key: string): Promise<void> {
  try {
    // libzmq replaces an existing ipc socket file, even one a running router listens on.
    if (endpoint.startsWith("ipc://") && (await someoneListens(endpoint.slice("ipc://".length)))) {
      throw Object.assign(new Error(`${endpoint} is in use`), { code: "EADDRINUSE" });
    }
    await socket.bind(endpoint);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === "EADDRINUSE"
        ? "another process (another router?) listens there"
        : code === "EACCES"
          ? "permission denied"
          : code === "EADDRNOTAVAIL"
            ? "no such address on this machine"
            : (error as Error).message;
    throw Object.assign(new Error(`cannot listen on ${endpoint} (${key}): ${hint}`, { cause: error }), { code });
  }
}

/** Whether a process accepts connections on a Unix socket path. */
function someoneListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
