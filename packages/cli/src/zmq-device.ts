import { Context, Dealer, Proxy, Pull, Push, Router, XPublisher, XSubscriber, type Event } from "zeromq";
import { bindOrExplain, serveZap, useCurveServer, watchSocketEvents, type CurvePair, type ZapHandler } from "@roomguard/bus";

/** The three ZeroMQ devices: the socket pair each binds, and the pattern it serves. */
export const DEVICE_KINDS = {
  /** Request-reply: REQ clients connect to the front (ROUTER), REP workers to the back (DEALER). */
  queue: { pattern: "request-reply", front: "REQ clients", back: "REP workers", replies: "replies" },
  /** Pub-sub: publishers connect to the front (XSUB), subscribers to the back (XPUB). */
  forwarder: { pattern: "pub-sub", front: "publishers", back: "subscribers", replies: "subscriptions" },
  /** Pipeline: PUSH senders connect to the front (PULL), PULL workers to the back (PUSH). */
  streamer: { pattern: "pipeline", front: "PUSH senders", back: "PULL workers", replies: undefined },
} as const;

export type DeviceKind = keyof typeof DEVICE_KINDS;
export type DeviceSide = "front" | "back";

/** What a device has done since it started. */
export interface DeviceCounts {
  /** Messages passed front → back; undefined when not counted (the native proxy). */
  forward: number | undefined;
  /** Messages passed back → front (replies, subscriptions); undefined when not counted or the device has none. */
  backward: number | undefined;
  /** Connections open now on each side. */
  peers: Record<DeviceSide, number>;
  /** Handshakes refused on each side (a key not on the allow-list, a client without CURVE). */
  refused: Record<DeviceSide, number>;
}

export interface DeviceOptions {
  kind: DeviceKind;
  front: string;
  back: string;
  /** The sides that bind as CURVE servers with `keys`, admitting what `admit` names. */
  curve?: { sides: readonly DeviceSide[]; keys: CurvePair; admit: (publicKey: string) => string | undefined };
  /** A CURVE client refused by the allow-list: its address and key fingerprint. */
  onRefused?: (refusal: { address: string; fingerprint: string }) => void;
  /**
   * Run libzmq's proxy in its own thread instead of the counting loop: ~20-30 times less CPU
   * a message, but no message counts (zeromq.js's Proxy has no capture socket and no statistics).
   */
  native?: boolean;
}

export interface Device {
  /** The endpoints as bound (a `*` port resolved). */
  readonly endpoints: Record<DeviceSide, string>;
  counts(): DeviceCounts;
  /** Closes the connections of one side and listens again: clients reconnect and are asked for their keys again. */
  rebind(side: DeviceSide): Promise<void>;
  /** Settles when the device stops: after `close()`, or rejects on a failure. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

interface Readable {
  receive(): Promise<Buffer[]>;
}
interface Writable {
  send(message: Buffer[]): Promise<void>;
}
type DeviceSocket = Router | Dealer | XSubscriber | XPublisher | Pull | Push;

/** How long a stopping device keeps trying to deliver what it already took in. */
const STOP_LINGER_MS = 500;

function openSockets(kind: DeviceKind, context: Context): { front: DeviceSocket; back: DeviceSocket } {
  const options = { context, linger: STOP_LINGER_MS };
  switch (kind) {
    case "queue":
      return { front: new Router(options), back: new Dealer(options) };
    case "forwarder":
      return { front: new XSubscriber(options), back: new XPublisher(options) };
    case "streamer":
      return { front: new Pull(options), back: new Push(options) };
    default: {
      const unknown: never = kind;
      throw new Error(`expected queue, forwarder or streamer, got ${String(unknown)}`);
    }
  }
}

/**
 * Binds a ZeroMQ device's two sockets and passes messages between them until closed.
 *
 * Messages are passed by a JavaScript loop, not libzmq's proxy, unless `native`: the loop is
 * the only place a message can be counted (zeromq.js's Proxy runs zmq_proxy_steerable with no
 * capture socket and does not expose its STATISTICS command). Measured here (2 cores, 64-byte
 * messages, pyzmq on both ends): the loop 19-34 µs of CPU a message, ~14,000 messages/s; the
 * native proxy 0.7-1.6 µs, over 450,000/s (docs/devices.md). The loop is the default because the
 * appliance's topologies carry tens of messages a second, where counts are worth far more than
 * the CPU; `--native` is there for floods. Peers are counted from socket events in both modes,
 * which zeromq.js reports even for sockets a running Proxy owns.
 */
export async function openDevice(options: DeviceOptions): Promise<Device> {
  const context = new Context();
  const sockets = openSockets(options.kind, context);
  const peers = { front: 0, back: 0 };
  const refused = { front: 0, back: 0 };
  const watch = (side: DeviceSide) => (event: Event) => {
    // Every connection a bound socket accepts ends in one disconnect, a refused handshake too.
    if (event.type === "accept") peers[side]++;
    else if (event.type === "disconnect") peers[side] = Math.max(0, peers[side] - 1);
    else if (event.type.startsWith("handshake:error:")) refused[side]++; // auth (ZAP), protocol or other (a plain client)
  };
  watchSocketEvents(sockets.front.events, watch("front"));
  watchSocketEvents(sockets.back.events, watch("back"));

  const curveSides = new Set(options.curve?.sides ?? []);
  const endpoints = { front: options.front, back: options.back };
  const bindSide = async (side: DeviceSide, endpoint: string): Promise<string> => {
    const socket = sockets[side];
    if (options.curve && curveSides.has(side)) useCurveServer(socket, options.curve.keys);
    await bindOrExplain(socket, endpoint, side.toUpperCase(), "another device or router");
    return socket.lastEndpoint ?? endpoint;
  };

  let zap: ZapHandler | undefined;
  try {
    if (options.curve && curveSides.size > 0) {
      // libzmq asks the ZAP handler of the sockets' own context: it must listen before they bind.
      zap = await serveZap({ context, admit: options.curve.admit, onRefused: options.onRefused });
    }
    endpoints.front = await bindSide("front", options.front);
    endpoints.back = await bindSide("back", options.back);
  } catch (error) {
    zap?.close();
    sockets.front.close();
    sockets.back.close();
    throw error;
  }

  let stopping = false;
  const counted = { forward: 0, backward: 0 };
  let done: Promise<void>;
  let stop: () => Promise<void>;
  if (options.native) {
    const proxy = new Proxy(sockets.front, sockets.back);
    done = proxy.run();
    stop = async () => {
      // `proxy` is held by this closure until the proxy ends: a Proxy collected while its
      // thread runs takes its sockets with it and crashes the process.
      proxy.terminate();
      await done.catch(() => undefined);
    };
  } else {
    // Each kind's front reads and its back writes; queue and forwarder also carry replies and
    // subscriptions back (openSockets picks the pairs, so these casts hold).
    const { front, back } = sockets as unknown as { front: Readable & Writable; back: Readable & Writable };
    const passing = [pass(front, back, () => counted.forward++)];
    if (DEVICE_KINDS[options.kind].replies !== undefined) passing.push(pass(back, front, () => counted.backward++));
    done = Promise.all(passing).then(
      () => undefined,
      (error: unknown) => {
        if (!stopping) throw error;
      },
    );
    stop = async () => {
      sockets.front.close();
      sockets.back.close();
      await done.catch(() => undefined);
    };
  }
  let closing: Promise<void> | undefined;
  return {
    endpoints,
    done,
    counts: () => ({
      forward: options.native ? undefined : counted.forward,
      backward: options.native || DEVICE_KINDS[options.kind].replies === undefined ? undefined : counted.backward,
      peers: { ...peers },
      refused: { ...refused },
    }),
    async rebind(side) {
      const socket = sockets[side];
      // Unbinding closes the connections accepted on the endpoint; the clients reconnect.
      await socket.unbind(endpoints[side]);
      if (options.curve && curveSides.has(side)) useCurveServer(socket, options.curve.keys);
      await socket.bind(endpoints[side]);
    },
    close() {
      closing ??= (async () => {
        stopping = true;
        await stop();
        zap?.close();
      })();
      return closing;
    },
  };
}

/** Passes every message from one socket to the other, one at a time (zeromq.js allows one send in flight). */
async function pass(from: Readable, to: Writable, onPassed: () => void): Promise<void> {
  for (;;) {
    const message = await from.receive();
    await to.send(message);
    onPassed();
  }
}
