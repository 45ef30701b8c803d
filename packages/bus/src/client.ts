import { Subscriber, XPublisher, type Context } from "zeromq";
import type { Logger } from "@roomguard/runtime";
import { needsCurve, useCurveClient, type CurveClientKeys } from "./curve.js";
import { connectAddress } from "./endpoints.js";
import { checkMessage, DEFAULT_MAX_MESSAGE_SIZE, formatMessage, parseMessage, type BusMessage, type ParseResult } from "./message.js";
import { sendQueue, type SendQueue } from "./send-queue.js";
import { watchSocketEvents } from "./socket-events.js";
import { Subscription } from "./subscription.js";

export interface BusClientOptions {
  /** The router's IN endpoint (where this client publishes), as in config `bus.in`. */
  in: string;
  /** The router's OUT endpoint (where this client subscribes), as in config `bus.out`. */
  out: string;
  /** Largest message this client sends, in bytes. Default 64 KiB (config `bus.maxMessageSize`). */
  maxMessageSize?: number;
  /** Messages queued per subscription before the oldest is dropped. Default 10,000. */
  subscriptionQueue?: number;
  /** Bytes of messages queued per subscription before the oldest is dropped. Default 16 MiB. */
  subscriptionQueueBytes?: number;
  /** Messages ZeroMQ queues towards the router before dropping. Default 10,000. */
  sendQueue?: number;
  /** For "said once" warnings (malformed messages, overflow). */
  log?: Logger;
  /** Told when the client gains or loses its connection to the router (both sockets). */
  onConnection?: (connected: boolean) => void;
  /** The ZeroMQ context; needed only for `inproc://` endpoints of another context. Default: the shared one. */
  context?: Context;
  /** This host's keys, for an endpoint that needs CURVE (not loopback or ipc); see busClientFor. */
  curve?: CurveClientKeys;
  /** Use `curve` on both endpoints whatever their address: another Pi's router (the bridge), CURVE even through a tunnel to loopback. */
  alwaysCurve?: boolean;
}

/** A received message with every frame, whether or not it follows the format (for tools). */
export interface RawMessage {
  readonly frames: readonly Buffer[];
  readonly parsed: ParseResult;
}

/** Thrown by {@link BusClient.waitForRouter} when the router does not answer in time. */
export class RouterUnreachableError extends Error {
  readonly code = "EROUTER";
  constructor(
    readonly endpoints: { in: string; out: string },
    timeoutMs: number,
    /** Connected, but no subscription came: not a roomguard router, which always subscribes to its own `CONTROL: router `. */
    connected = false,
  ) {
    super(
      connected
        ? `connected to ${endpoints.in} (publish) and ${endpoints.out} (subscribe), but no subscription came from there within ${timeoutMs} ms ` +
            "(a roomguard router sends its own at once). Is a roomguard router listening there? Check bus.in/bus.out in the config."
        : `cannot reach the router at ${endpoints.in} (publish) and ${endpoints.out} (subscribe) within ${timeoutMs} ms. ` +
            // No start command here: which one fits depends on where the user is (the CLI adds it).
            "Is the router running? Check bus.in/bus.out in the config.",
    );
    this.name = "RouterUnreachableError";
  }
}

/**
 * A connection to the bus: a publisher socket on the router's IN endpoint and a
 * subscriber socket on its OUT endpoint. ZeroMQ connects in the background and
 * reconnects after a router restart, so the client can be created before the router runs.
 *
 * The publisher is an XPUB socket: it learns which prefixes the router wants (the union of
 * every subscriber's), which tells `waitForRouter` that the router is there and lets
 * {@link wants} say whether a message would reach anyone.
 */
export class BusClient {
  readonly endpoints: { in: string; out: string };
  private readonly maxMessageSize: number;
  private readonly subscriptionQueue: number;
  private readonly subscriptionQueueBytes: number;
  private readonly log: Logger | undefined;
  private readonly onConnection: ((connected: boolean) => void) | undefined;
  private readonly publisher: XPublisher;
  private readonly subscriber: Subscriber;
  private readonly sends: SendQueue<string>;
  /** Prefixes the router wants, keyed by their hex spelling. */
  private readonly routerPrefixes = new Map<string, Buffer>();
  private readonly receivers = new Map<object, Receiver>();
  private readonly prefixUse = new Map<string, number>();
  private publisherUp = false;
  private subscriberUp = false;
  private readonly readyWaiters = new Set<() => void>();
  private wakeScheduled = false;
  private readonly wantedListeners = new Set<() => void>();
  private receiving = false;
  private closed = false;

  constructor(options: BusClientOptions) {
    this.endpoints = { in: connectAddress(options.in), out: connectAddress(options.out) };
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.subscriptionQueue = options.subscriptionQueue ?? 10_000;
    this.subscriptionQueueBytes = options.subscriptionQueueBytes ?? 16 * 1024 * 1024;
    this.log = options.log;
    this.onConnection = options.onConnection;

    const context = options.context ? { context: options.context } : {};
    this.publisher = new XPublisher({ ...context, sendHighWaterMark: options.sendQueue ?? 10_000, linger: 1000 });
    this.subscriber = new Subscriber({ ...context, linger: 0 });
    this.sends = sendQueue((text) => this.publisher.send(text));
    watchSocketEvents(this.publisher.events, (event) => {
      if (event.type === "handshake") this.setUp("publisher", true);
      if (event.type === "disconnect") this.setUp("publisher", false);
    });
    watchSocketEvents(this.subscriber.events, (event) => {
      if (event.type === "handshake") this.setUp("subscriber", true);
      if (event.type === "disconnect") this.setUp("subscriber", false);
    });
    for (const [socket, side] of [
      [this.publisher, "in"],
      [this.subscriber, "out"],
    ] as const) {
      // The configured endpoint decides, not the connect address: a router bound on 0.0.0.0 is CURVE on loopback too.
      if (!options.alwaysCurve && !needsCurve(options[side])) continue;
      if (!options.curve) throw new Error(`bus.${side} (${options[side]}) is not loopback or ipc: it needs CURVE keys (bus.keys)`);
      useCurveClient(socket, options.curve);
    }
    this.publisher.connect(this.endpoints.in);
    this.subscriber.connect(this.endpoints.out);
    void this.trackRouterSubscriptions();
  }

  /**
   * Publishes one message: a whole text (`"KEY: LEFT"`) or a topic and the rest. The
   * message is checked first (topic, size) and refused with a {@link MessageError}.
   * Sends are queued, so any number of concurrent calls are safe. Like every ZeroMQ
   * publisher, a message nobody subscribes to, or sent while the router is down, is dropped.
   */
  publish(text: string): Promise<void>;
  publish(topic: string, rest: string): Promise<void>;
  publish(textOrTopic: string, rest?: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the bus client is closed"));
    let text: string;
    try {
      text =
        rest === undefined ? checkMessage(textOrTopic, this.maxMessageSize).text : formatMessage(textOrTopic, rest, this.maxMessageSize);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.sends.send(text);
  }

  /**
   * Receives well-formed messages that start with any of the prefixes (`"KEY:"`; `""` for
   * everything). Malformed messages are skipped and logged once. End it with `break` or
   * `close()`.
   */
  subscribe(...prefixes: string[]): Subscription<BusMessage> {
    const subscription = this.newSubscription<BusMessage>(prefixes, (message) => message.text.length);
    this.attach({ raw: false, prefixes: subscription.prefixes.map((prefix) => Buffer.from(prefix)), subscription });
    return subscription;
  }

  /** Like {@link subscribe}, but yields every message with its frames and parse result, malformed or not. */
  subscribeRaw(...prefixes: string[]): Subscription<RawMessage> {
    const subscription = this.newSubscription<RawMessage>(prefixes, (message) =>
      message.frames.reduce((total, frame) => total + frame.length, 0),
    );
    this.attach({ raw: true, prefixes: subscription.prefixes.map((prefix) => Buffer.from(prefix)), subscription });
    return subscription;
  }

  /** Whether the router has a subscriber for this message (prefix match on its bytes). */
  wants(text: string): boolean {
    const bytes = Buffer.from(text);
    for (const prefix of this.routerPrefixes.values()) if (startsWith(bytes, prefix)) return true;
    return false;
  }

  /**
   * Calls `listener` each time the router's wanted prefixes change (a subscriber came or went,
   * the router connected or left), until the returned function is called. {@link wants} then
   * tells what is wanted now.
   */
  onWantedChange(listener: () => void): () => void {
    const own = (): void => listener(); // the same listener twice is two registrations
    this.wantedListeners.add(own);
    return () => void this.wantedListeners.delete(own);
  }

  /** Resolves true as soon as the router wants `text` (at once when it does now), false after `timeoutMs`. */
  whenWanted(text: string, timeoutMs: number): Promise<boolean> {
    if (this.wants(text)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (wanted: boolean): void => {
        stop();
        clearTimeout(timer);
        resolve(wanted);
      };
      const stop = this.onWantedChange(() => {
        if (this.wants(text)) done(true);
      });
      const timer = setTimeout(() => done(false), timeoutMs);
    });
  }

  /** True once both sockets have completed their handshake with the router. */
  get isConnected(): boolean {
    return this.publisherUp && this.subscriberUp;
  }

  /**
   * Resolves once both sockets are connected to the router and the router has told the
   * publisher what it wants (a roomguard router always wants its own `CONTROL: router `, and
   * sends every subscription in one burst after the handshake); rejects with
   * {@link RouterUnreachableError} after `timeoutMs`.
   */
  async waitForRouter(timeoutMs = 3000): Promise<void> {
    if (this.isReady) return;
    let onReady: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        this.readyWaiters.add(resolve);
        timer = setTimeout(() => reject(new RouterUnreachableError(this.endpoints, timeoutMs, this.isConnected)), timeoutMs);
      });
    } finally {
      if (onReady) this.readyWaiters.delete(onReady);
      clearTimeout(timer);
    }
  }

  /** Closes both sockets. Queued messages get up to a second to leave. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const receiver of [...this.receivers.values()]) receiver.subscription.close();
    await this.sends.settled();
    this.subscriber.close();
    this.publisher.close();
  }

  private newSubscription<T>(prefixes: string[], sizeOf: (item: T) => number): Subscription<T> {
    if (this.closed) throw new Error("the bus client is closed");
    const wanted = prefixes.length === 0 ? [""] : prefixes;
    return new Subscription<T>(
      wanted,
      this.subscriptionQueue,
      (closed) => this.detach(closed),
      (overflowing) =>
        this.log?.once("warn", `overflow:${wanted.join(",")}`, "a subscriber is too slow: dropping its oldest messages", {
          prefixes: wanted,
          dropped: overflowing.droppedCount,
        }),
      { max: this.subscriptionQueueBytes, sizeOf },
    );
  }

  private attach(receiver: Receiver): void {
    this.receivers.set(receiver.subscription, receiver);
    for (const prefix of receiver.subscription.prefixes) {
      const uses = this.prefixUse.get(prefix) ?? 0;
      if (uses === 0) this.subscriber.subscribe(prefix);
      this.prefixUse.set(prefix, uses + 1);
    }
    if (!this.receiving) void this.receive();
  }

  private detach(subscription: { prefixes: readonly string[] }): void {
    if (!this.receivers.delete(subscription)) return;
    for (const prefix of subscription.prefixes) {
      const uses = (this.prefixUse.get(prefix) ?? 1) - 1;
      if (uses === 0) {
        this.prefixUse.delete(prefix);
        if (!this.closed) this.subscriber.unsubscribe(prefix);
      } else this.prefixUse.set(prefix, uses);
    }
  }

  private async receive(): Promise<void> {
    this.receiving = true;
    try {
      for await (const frames of this.subscriber) this.dispatch(frames);
    } catch (error) {
      if (!this.closed) throw error;
    } finally {
      this.receiving = false;
    }
  }

  private dispatch(frames: Buffer[]): void {
    const first = frames[0] ?? Buffer.alloc(0);
    let parsed: ParseResult | undefined;
    for (const receiver of this.receivers.values()) {
      if (!receiver.prefixes.some((prefix) => startsWith(first, prefix))) continue;
      // The router already refused oversize messages; do not refuse them twice.
      parsed ??= parseMessage(frames, Number.MAX_SAFE_INTEGER);
      if (receiver.raw) receiver.subscription.deliver({ frames, parsed });
      else if (parsed.ok) receiver.subscription.deliver(parsed.message);
      else this.log?.once("warn", `malformed:${parsed.error.code}`, "ignoring malformed messages", { reason: parsed.error.message });
    }
  }

  /** Keeps the set of prefixes the router wants, from the subscription messages it sends. */
  private async trackRouterSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.publisher) {
        if (!frame || frame.length === 0) continue;
        const prefix = frame.subarray(1);
        if (frame[0] === 1) this.routerPrefixes.set(prefix.toString("hex"), prefix);
        else if (frame[0] === 0) this.routerPrefixes.delete(prefix.toString("hex"));
        else continue;
        this.wakeIfReady();
        for (const listener of [...this.wantedListeners]) {
          try {
            listener();
          } catch (error) {
            this.log?.error("a listener for the router's subscriptions failed", { error });
          }
        }
      }
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  private setUp(socket: "publisher" | "subscriber", up: boolean): void {
    const was = this.isConnected;
    if (socket === "publisher") this.publisherUp = up;
    else this.subscriberUp = up;
    if (was !== this.isConnected) this.onConnection?.(this.isConnected);
    this.wakeIfReady();
  }

  /** Connected, and the router's subscriptions (which come in one burst after the handshake) are here. */
  private get isReady(): boolean {
    return this.isConnected && this.routerPrefixes.size > 0;
  }

  private wakeIfReady(): void {
    if (!this.isReady || this.readyWaiters.size === 0 || this.wakeScheduled) return;
    // The router's subscriptions come in one burst, read here one message at a time, each as soon
    // as the last: wake the waiters once the rest of the burst is read too, not at its first prefix
    // (one wake for the whole burst, however many prefixes it brings).
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (this.isReady) for (const wake of [...this.readyWaiters]) wake();
    });
  }
}

type Receiver =
  | { raw: false; prefixes: Buffer[]; subscription: Subscription<BusMessage> }
  | { raw: true; prefixes: Buffer[]; subscription: Subscription<RawMessage> };

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
