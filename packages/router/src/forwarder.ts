import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Context, Proxy, XPublisher, XSubscriber, type Event } from "zeromq";
import { bindOrExplain, watchSocketEvents } from "@roomguard/bus";
import { IO_THREAD, setBatchSize, setBeforeNextBind, ZMQ_IN_BATCH_SIZE, ZMQ_OUT_BATCH_SIZE } from "./socket-options.js";
import { TAP_DIR_PREFIX } from "./stale-tap-dirs.js";
import { watchSubscriptions, type SubscriptionWatch, type Subscriptions } from "./subscription-watch.js";
import { openTap, type BatchHandler, type Tap } from "./tap.js";

/**
 * What a subscription frame holds beyond its prefix: ZMTP 3.1 peers (libzmq 4.3) send a
 * SUBSCRIBE command, `\x09SUBSCRIBE` and the prefix; 3.0 peers `\x01` and the prefix.
 */
const SUBSCRIBE_COMMAND_BYTES = 10;

export interface ForwarderOptions {
  /** Endpoint publishers connect to (config `bus.in`). */
  in: string;
  /** Endpoint subscribers connect to (config `bus.out`). */
  out: string;
  /** Larger messages get their publisher disconnected by libzmq (config `bus.maxMessageSize`). */
  maxMessageSize: number;
  /** Longer subscriptions get their subscriber disconnected by libzmq (config `router.maxSubscriptionBytes`). */
  maxSubscriptionBytes: number;
  /** The distinct subscriptions the publishers hold, each time they change. */
  onSubscriptions: (subscriptions: Subscriptions) => void;
  /** Messages queued per subscriber before dropping (config `router.subscriberQueue`). */
  subscriberQueue: number;
  /** Messages read ahead per publisher (config `router.publisherQueue`). */
  publisherQueue: number;
  /** Messages queued for the tap (config `router.journalQueue`). */
  tapQueue: number;
  /** Socket events of the IN (`publisher`) and OUT (`subscriber`) side. */
  onEvent: (side: "publisher" | "subscriber", event: Event) => void;
  /** Every forwarded message, in batches (see openTap). */
  onBatch: BatchHandler;
  /** The tap's connection ended (only expected after `close()`). */
  onTapEnd: (error?: Error) => void;
}

export interface Forwarder {
  /** The endpoints as bound, with any `*` port resolved. */
  readonly endpoints: { in: string; out: string };
  /** In-process endpoints for the router's own bus client, which must use `context`. */
  readonly internal: { in: string; out: string };
  /** The ZeroMQ context of the router's sockets. */
  readonly context: Context;
  /** Resolves true once the tap has read a message containing `marker` (see Tap.sees). */
  tapSees(marker: Buffer, timeoutMs: number): Promise<boolean>;
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
 *
 * Every publisher keeps every subscription it is sent, in memory. Subscriptions travel
 * upstream inside libzmq too, so the router bounds them with what libzmq offers: a size
 * limit on what subscribers send (a longer one cuts the subscriber), and a watch of the
 * distinct subscriptions the publishers hold (see subscription-watch.ts).
 */
export async function openForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const id = `${process.pid}-${++instances}`;
  const tapDir = await mkdtemp(path.join(tmpdir(), `${TAP_DIR_PREFIX}${process.pid}-`));
  const tapEndpoint = `ipc://${path.join(tapDir, "tap.sock")}`;
  const internal = { in: `inproc://roomguard-router-in-${id}`, out: `inproc://roomguard-router-out-${id}` };
  // One I/O thread each for reading publishers, writing to subscribers and writing to the
  // journal tap. Sharing one, a burst read in from publishers starves the writes out, and
  // the queues overflow: the benchmark loses messages without this.
  const context = new Context({ ioThreads: 3 });
  const xsub = new XSubscriber({
    context,
    affinity: IO_THREAD.publishers,
    receiveHighWaterMark: options.publisherQueue,
    maxMessageSize: options.maxMessageSize,
    linger: 0,
  });
  // Whatever a subscriber sends is read with this limit: it only sends subscriptions (and the
  // READY and PING commands of ZMTP, a few dozen bytes), so one too long for a topic prefix
  // makes libzmq cut it before the subscription goes anywhere.
  const xpub = new XPublisher({
    context,
    affinity: IO_THREAD.subscribers,
    sendHighWaterMark: options.subscriberQueue,
    maxMessageSize: options.maxSubscriptionBytes + SUBSCRIBE_COMMAND_BYTES,
    linger: 0,
  });
  setBatchSize(xsub, ZMQ_IN_BATCH_SIZE);
  setBatchSize(xpub, ZMQ_OUT_BATCH_SIZE);
  // The tap holds the "" (everything) subscription, which would hide a real subscriber's ""
  // from the publishers. Passing every subscribe and unsubscribe upstream lets the XSUB
  // count them instead, and it counts only real subscribers.
  xpub.verbosity = "allSubsUnsubs";
  watchSocketEvents(xsub.events, (event) => options.onEvent("publisher", event));
  watchSocketEvents(xpub.events, (event) => {
    if (!("address" in event) || event.address !== tapEndpoint) options.onEvent("subscriber", event);
  });
  let proxy: Proxy<XSubscriber, XPublisher> | undefined;
  let tap: Tap | undefined;
  let watch: SubscriptionWatch | undefined;
  try {
    await bindOrExplain(xpub, options.out, "bus.out", "another router");
    const out = xpub.lastEndpoint ?? options.out;
    await xpub.bind(internal.out);
    // A pipe's queue length is fixed from the socket's setting when its endpoint is bound;
    // setting it again resizes every open pipe. So: subscribers' endpoint first, then the
    // tap's, and no change after that. The I/O thread is also taken at bind time.
    xpub.sendHighWaterMark = options.tapQueue;
    setBeforeNextBind(() => (xpub.affinity = IO_THREAD.tap));
    await xpub.bind(tapEndpoint);
    tap = await openTap(path.join(tapDir, "tap.sock"), options.onBatch, options.onTapEnd);
    const openedTap = tap;
    await swallowTapSubscription(xpub, xsub);
    await bindOrExplain(xsub, options.in, "bus.in", "another router");
    const inEndpoint = xsub.lastEndpoint ?? options.in;
    await xsub.bind(internal.in);
    watch = watchSubscriptions(context, internal.in, options.onSubscriptions);
    const openedWatch = watch;

    const running = new Proxy(xsub, xpub);
    proxy = running;
    const done = running.run();
    let closing: Promise<void> | undefined;
    return {
      endpoints: { in: inEndpoint, out },
      internal,
      context,
      tapSees: (marker, timeoutMs) => openedTap.sees(marker, timeoutMs),
      done,
      close() {
        closing ??= (async () => {
          // Holding `running` here keeps the Proxy (and so its sockets) from being garbage
          // collected while libzmq's thread still uses them: that crashes the process.
          running.terminate();
          await done.catch(() => undefined);
          openedTap.close();
          openedWatch.close();
          await rm(tapDir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    tap?.close();
    watch?.close();
    if (!proxy) {
      xsub.close();
      xpub.close();
    }
    await rm(tapDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads the subscriptions that reached the XPUB before the proxy runs: the tap's
 * everything-subscription is dropped, so it never reaches a publisher; any other (a
 * subscriber quicker than the tap) is passed upstream as the proxy would have.
 */
async function swallowTapSubscription(xpub: XPublisher, xsub: XSubscriber): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    xpub.receiveTimeout = Math.max(1, deadline - Date.now());
    const [subscription] = await xpub.receive();
    if (subscription?.length === 1 && subscription[0] === 1) break;
    if (subscription) await xsub.send(subscription);
  }
  xpub.receiveTimeout = -1;
}
