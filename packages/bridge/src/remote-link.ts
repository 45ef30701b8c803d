import {
  BusClient,
  controlMessage,
  type BusClientOptions,
  type BusMessage,
  type CurveClientKeys,
  type RawMessage,
  type Subscription,
} from "@roomguard/bus";
import type { RoomguardConfig } from "@roomguard/config";
import type { Clock, Logger } from "@roomguard/runtime";
import { cross, RateLimit, type RefusalReason } from "./mapping.js";

export type RemoteConfig = RoomguardConfig["bridge"]["remotes"][number];

/** The local bus as a link uses it: the bridge's one client to this Pi's router. */
export type LocalBus = Pick<BusClient, "publish" | "subscribe">;

export interface RemoteLinkOptions {
  remote: RemoteConfig;
  /** bridge.room: this Pi's room, in front of what goes to the remote. Null: nothing goes (check-config refuses `to` without it). */
  room: string | null;
  local: LocalBus;
  /**
   * This host's pair and the remote router's key: the connection is CURVE whatever the address.
   * Undefined only for in-process tests of the mapping against a plain router.
   */
  curve: CurveClientKeys | undefined;
  /** bus.maxMessageSize: nothing larger goes onto either bus. */
  maxMessageSize: number;
  /** bridge.maxMessagesPerS, each direction. */
  maxMessagesPerS: number;
  clock: Clock;
  log: Logger;
  /** Told when the connection to the remote comes or goes (the heartbeat's problem changes). */
  onChange: () => void;
  /** Messages the remote's subscription queues before the oldest is dropped (counted). Default 1,000. */
  queue?: number;
  /** Seconds without a connection after which the connection is made afresh. Default 5. */
  retryS?: number;
}

type Drops = Record<RefusalReason | "malformed" | "rate" | "queue" | "failed", number>;

/** The latest DOOR/MOTION state per remote sensor kept for `CONTROL: sensors STATE`; more sensors than this are not kept. */
const MAX_KEPT_STATES = 256;

/**
 * One remote: a bus client on the remote router (CURVE), the remote's chosen topics onto the
 * local bus under its room, the local chosen topics onto the remote's under ours, each message
 * checked (cross()), rate-limited and counted. ZeroMQ reconnects by itself after either router
 * restarts; each time the connection comes up the remote's sensor reader is asked for its states.
 */
export class RemoteLink {
  readonly name: string;
  private remote: BusClient;
  private inbound: Subscription<RawMessage> | undefined;
  /** Queue drops of the remote subscriptions closed before this one. */
  private droppedBefore = 0;
  private readonly outbound: Subscription<BusMessage> | undefined;
  private readonly rateIn: RateLimit;
  private readonly rateOut: RateLimit;
  private readonly drops: { in: Drops; out: Drops } = { in: noDrops(), out: noDrops() };
  private readonly passed = { in: 0, out: 0 };
  /** DOOR:/MOTION: as last brought, by subject: given again on `CONTROL: sensors STATE` here. */
  private readonly states = new Map<string, string>();
  private connected = false;
  private changedAt: number;
  private connections = 0;
  private reopened = 0;
  private openedAt: number;
  private readonly startedAt: number;
  private readonly retryMs: number;
  private readonly retry: ReturnType<Clock["setInterval"]>;
  private closed = false;

  constructor(private readonly options: RemoteLinkOptions) {
    const { remote, clock } = options;
    this.name = remote.name;
    this.changedAt = clock.now();
    this.rateIn = new RateLimit(options.maxMessagesPerS, () => clock.now());
    this.rateOut = new RateLimit(options.maxMessagesPerS, () => clock.now());
    this.openedAt = clock.now();
    this.startedAt = clock.now();
    this.retryMs = (options.retryS ?? 5) * 1000;
    this.remote = this.open();
    this.outbound = remote.to.length > 0 && options.room !== null ? options.local.subscribe(...remote.to) : undefined;
    if (this.outbound) void this.pumpOut(this.outbound, options.room ?? "");
    this.retry = clock.setInterval(() => {
      if (!this.connected && clock.now() - this.openedAt >= this.retryMs) void this.reopen();
    }, this.retryMs);
  }

  /** A client on the remote router, CURVE whatever its address, and the subscription to what `from` takes. */
  private open(): BusClient {
    const { remote, log } = this.options;
    const current: BusClient = new BusClient({
      in: remote.in,
      out: remote.out,
      maxMessageSize: this.options.maxMessageSize,
      subscriptionQueue: this.options.queue ?? 1000,
      subscriptionQueueBytes: 4 * 1024 * 1024,
      sendQueue: 1000,
      log: log.child("bus"),
      onConnection: (up) => {
        if (this.remote === current) this.connection(up);
      },
      ...(this.options.curve ? { curve: this.options.curve, alwaysCurve: true } : {}),
    } satisfies BusClientOptions);
    // Raw: what is not a bus message is counted too (the remote bus is another machine's, and untrusted).
    this.inbound = remote.from.length > 0 ? current.subscribeRaw(...remote.from) : undefined;
    if (this.inbound) void this.pumpIn(this.inbound);
    return current;
  }

  /**
   * libzmq gives up on a connection whose CURVE handshake the remote refused (its session ends on
   * the protocol error): a key allowed there later would never be tried. So a link that stays
   * down is made afresh every retryS.
   */
  private async reopen(): Promise<void> {
    const old = this.remote;
    this.droppedBefore += this.inbound?.droppedCount ?? 0;
    this.inbound?.close();
    this.reopened++;
    this.openedAt = this.options.clock.now();
    this.remote = this.open();
    await old.close();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * For the heartbeat's `remotes`: `connecting` until the first connection (for at most 2 retries),
   * then `connected` or `unreachable`. The alarm puts the room's zones in trouble at once on
   * `unreachable`, so a bridge just started does not cry wolf.
   */
  linkState(): "connected" | "connecting" | "unreachable" {
    if (this.connected) return "connected";
    const starting = this.connections === 0 && this.options.clock.now() - this.startedAt < 2 * this.retryMs;
    return starting ? "connecting" : "unreachable";
  }

  /** What the heartbeat's problem says of this remote, or undefined while it is connected. */
  problem(): string | undefined {
    if (this.connected) return undefined;
    const since = new Date(this.changedAt).toISOString();
    return (
      `${this.name} unreachable since ${since}: no CURVE connection to its router at ${this.remote.endpoints.out} ` +
      "(is it running, is routerKey its router.key, and is this host's host.key allowed there?)"
    );
  }

  /** STATUS: the connection and what was passed and dropped, each way. */
  stats(): Record<string, unknown> {
    return {
      connected: this.connected,
      since: new Date(this.changedAt).toISOString(),
      connections: this.connections,
      reopened: this.reopened,
      in: { passed: this.passed.in, dropped: { ...this.drops.in, queue: this.droppedBefore + (this.inbound?.droppedCount ?? 0) } },
      out: { passed: this.passed.out, dropped: { ...this.drops.out, queue: this.outbound?.droppedCount ?? 0 } },
    };
  }

  /** The remote's doors and PIRs as last brought, again onto the local bus (the alarm's `CONTROL: sensors STATE` at its start). */
  republishStates(): void {
    for (const text of this.states.values()) this.publishLocal(text);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.clock.clearInterval(this.retry);
    this.inbound?.close();
    this.outbound?.close();
    await this.remote.close();
  }

  private connection(up: boolean): void {
    if (up === this.connected || this.closed) return;
    this.connected = up;
    this.changedAt = this.options.clock.now();
    if (up) {
      this.connections++;
      this.options.log.info(`connected to ${this.name}`, { out: this.remote.endpoints.out, connections: this.connections });
      this.askStates();
    } else this.options.log.warn(`lost ${this.name}`, { out: this.remote.endpoints.out });
    this.options.onChange();
  }

  /**
   * Asks the remote's sensor reader for every state once the request would reach it: a door left
   * open while the link was down is known at once. Triggered by the connection, never by a
   * message, so it cannot start a loop.
   */
  private askStates(): void {
    const { from } = this.options.remote;
    if (!from.includes("DOOR:") && !from.includes("MOTION:")) return;
    const ask = controlMessage("sensors", "STATE");
    void this.remote.whenWanted(ask, 10_000).then((wanted) => {
      if (wanted && this.connected && !this.closed) this.remote.publish(ask).catch(() => undefined);
    });
  }

  /** The remote's messages onto the local bus, under the remote's room. */
  private async pumpIn(subscription: Subscription<RawMessage>): Promise<void> {
    for await (const { parsed, frames } of subscription) {
      if (!parsed.ok) {
        this.drop("in", "malformed", { topic: "?", bytes: frames.reduce((total, frame) => total + frame.length, 0) });
        continue;
      }
      const message = parsed.message;
      const crossing = cross(message, this.name, this.options.maxMessageSize);
      if (!crossing.ok) this.drop("in", crossing.reason, described(message));
      else if (!this.rateIn.take()) this.drop("in", "rate", described(message));
      else {
        if (message.topic === "DOOR" || message.topic === "MOTION") this.keep(crossing.text);
        this.publishLocal(crossing.text);
      }
    }
  }

  /** The local bus's chosen messages onto the remote's, under bridge.room. */
  private async pumpOut(subscription: Subscription<BusMessage>, room: string): Promise<void> {
    for await (const message of subscription) {
      const crossing = cross(message, room, this.options.maxMessageSize);
      if (!crossing.ok) this.drop("out", crossing.reason, described(message));
      else if (!this.rateOut.take()) this.drop("out", "rate", described(message));
      else
        this.remote.publish(crossing.text).then(
          () => this.passed.out++,
          () => this.drop("out", "failed", described(message)),
        );
    }
  }

  private publishLocal(text: string): void {
    this.options.local.publish(text).then(
      () => this.passed.in++,
      (error: unknown) => {
        this.drops.in.failed++;
        this.options.log.once("warn", "publish", "cannot publish on the local bus", { error });
      },
    );
  }

  private keep(text: string): void {
    const key = text.slice(0, text.lastIndexOf(" "));
    if (this.states.has(key) || this.states.size < MAX_KEPT_STATES) this.states.set(key, text);
  }

  private drop(way: "in" | "out", reason: keyof Drops, message: { topic: string; bytes: number }): void {
    this.drops[way][reason]++;
    if (reason === "crossed" && way === "out") return; // what the bridges brought, seen again on the local bus: normal
    this.options.log.once(
      "warn",
      `drop:${way}:${reason}`,
      `not passing ${way === "in" ? "from" : "to"} ${this.name}: ${REASONS[reason]} (said once)`,
      {
        ...message,
      },
    );
  }
}

const REASONS: Record<keyof Drops, string> = {
  topic: "a topic the bridge does not carry",
  crossed: "it came over a bridge already (its subject has a /)",
  subject: "no sensor id or service name first",
  size: "too large once the room is added",
  malformed: "not a bus message",
  rate: "more than bridge.maxMessagesPerS",
  queue: "the queue was full",
  failed: "could not publish",
};

/** What a log line says of a dropped message: never its text (it may be anything, of any size). */
function described(message: BusMessage): { topic: string; bytes: number } {
  return { topic: message.topic, bytes: Buffer.byteLength(message.text) };
}

function noDrops(): Drops {
  return { topic: 0, crossed: 0, subject: 0, size: 0, malformed: 0, rate: 0, queue: 0, failed: 0 };
}
