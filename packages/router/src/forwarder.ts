import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Context, Proxy, XPublisher, XSubscriber, type Event } from "zeromq";
import {
  bindOrExplain,
  needsCurve,
  serveZap,
  setBeforeNextBind,
  useCurveServer,
  usePlainServer,
  watchSocketEvents,
  type CurvePair,
  type ZapHandler,
} from "@roomguard/bus";
import { IO_THREAD, setBatchSize, ZMQ_IN_BATCH_SIZE, ZMQ_OUT_BATCH_SIZE } from "./socket-options.js";
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
  /** Plain loopback endpoints bound beside `in` and `out` (lala-pi's ports, config `bus.lalapiPorts`). */
  alsoIn?: string;
  alsoOut?: string;
  /**
   * For an `in` or `out` that needs CURVE (not loopback or ipc): the router's pair, and who may in.
   * Without it such an endpoint is refused.
   */
  curve?: {
    keys: CurvePair;
    admit: (publicKey: string) => string | undefined;
    onRefused: (refusal: { address: string; fingerprint: string }) => void;
  };
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
  /** Whether `in` and `out` are CURVE endpoints. */
  readonly curve: { in: boolean; out: boolean };
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

/** What CURVE adds to each message on the wire (the MESSAGE command, its nonce and box), rounded up. */
const CURVE_OVERHEAD_BYTES = 64;
/** The largest CURVE handshake command (INITIATE with its metadata) a limit must let through. */
const CURVE_HANDSHAKE_BYTES = 1024;

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
  let zap: ZapHandler | undefined;
  const curve = { in: needsCurve(options.in), out: needsCurve(options.out) };
  /**
   * Binds `endpoint` (config `key`), and a plain `also` beside it. libzmq takes security options
   * at each bind: plain ones go first, then CURVE is switched on for a LAN endpoint.
   */
  const bindSide = async (socket: XPublisher | XSubscriber, endpoint: string, key: string, also: string | undefined): Promise<string> => {
    if (also !== undefined) await bindOrExplain(socket, also, "bus.lalapiPorts", "lala-pi's router, or another roomguard router");
    if (!needsCurve(endpoint)) {
      await bindOrExplain(socket, endpoint, key, "another router");
      return socket.lastEndpoint ?? endpoint;
    }
    if (!options.curve) throw new Error(`${key} (${endpoint}) is not loopback or ipc: it needs CURVE keys (bus.keys)`);
    const { keys } = options.curve;
    const limit = socket.maxMessageSize;
    useCurveServer(socket, keys);
    // libzmq applies the size limit to the handshake's commands and to encrypted frames: a CURVE
    // INITIATE is some 300 bytes, and each message grows by its box (33 bytes).
    setBeforeNextBind(() => (socket.maxMessageSize = Math.max(limit + CURVE_OVERHEAD_BYTES, CURVE_HANDSHAKE_BYTES)));
    await bindOrExplain(socket, endpoint, key, "another router");
    const bound = socket.lastEndpoint ?? endpoint;
    // The router's own endpoints after it (its tap) are plain, with the plain limit.
    usePlainServer(socket);
    setBeforeNextBind(() => (socket.maxMessageSize = limit));
    return bound;
  };
  try {
    if ((curve.in || curve.out) && options.curve) {
      // Asked inside this context at each CURVE handshake; it must listen before the first bind.
      zap = await serveZap({ context, admit: options.curve.admit, onRefused: options.curve.onRefused });
    }
    const out = await bindSide(xpub, options.out, "bus.out", options.alsoOut);
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
    const inEndpoint = await bindSide(xsub, options.in, "bus.in", options.alsoIn);
    await xsub.bind(internal.in);
    watch = watchSubscriptions(context, internal.in, options.onSubscriptions);
    const openedWatch = watch;

    const running = new Proxy(xsub, xpub);
    proxy = running;
    const done = running.run();
    let closing: Promise<void> | undefined;
    const openedZap = zap;
    return {
      endpoints: { in: inEndpoint, out },
      curve,
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
          openedZap?.close();
          await rm(tapDir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    tap?.close();
    watch?.close();
    zap?.close();
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
