import { connect, ErrorWithReasonCode, type IClientOptions, type MqttClient } from "mqtt";
import { backoffDelay, systemClock, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";

/** What {@link BrokerLink} connects with. */
export interface BrokerLinkOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` (config `mqtt.url`): no login in it (see check-config). */
  url: string;
  /** The MQTT client id (config `mqtt.clientId`, else `roomguard-<hostname>`). */
  clientId: string;
  username?: string;
  password?: string;
  /** Config `mqtt.baseTopic`: the availability topic is `<baseTopic>/availability`. */
  baseTopic: string;
  /** For `mqtts://`/`wss://`: a CA to trust instead of the system's (PEM), and whether to check the broker's certificate (default true). */
  tls?: { ca?: Buffer | string; rejectUnauthorized?: boolean };
  /** MQTT protocol: 5 (default; Mosquitto ≥ 1.6, EMQX, HiveMQ) or 4 (3.1.1) for an old broker. */
  protocolVersion?: 4 | 5;
  /** Seconds between PINGREQs when idle; the broker declares us gone after 1.5 × this. Default 30. */
  keepaliveS?: number;
  /** How long a connection attempt may take up to the broker's CONNACK, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Waits between attempts after failures in a row, ms. Default 1 s doubling to 60 s. */
  backoff?: Backoff;
  /** Largest incoming message (payload bytes) handed to a handler; larger ones are dropped and counted. Default 256 KiB. */
  maxIncomingBytes?: number;
  /** Most publishes awaiting their write or PUBACK; more are dropped and counted. Default 1,000. */
  maxInFlight?: number;
  /** Longest `close()` waits for the `offline` PUBACK and the clean disconnect, ms. Default 1,000. */
  closeTimeoutMs?: number;
}

/** How the link is: trying for the first time, up, down (waiting or trying again after a failure or loss), or closed. */
export type LinkState = "connecting" | "connected" | "down" | "closed";

export interface PublishOptions {
  /** The broker keeps it for later subscribers. Default false. */
  retain?: boolean;
  /** Default 0. */
  qos?: 0 | 1;
}

export interface SubscribeOptions {
  /** Default 1. */
  qos?: 0 | 1;
  /** MQTT 5's No Local: the broker does not send back what this client published. Default false. */
  noLocal?: boolean;
}

/**
 * Called for each message on a subscribed filter; it may be async. What it throws or rejects is
 * logged and counted, never passed to mqtt.js. `retained`: the broker kept it from before.
 */
export type MessageHandler = (topic: string, payload: Buffer, meta: { retained: boolean }) => void | Promise<void>;

/** Called on every (re)connection, after `online` went out: publish every state again. */
export type ConnectHandler = () => void | Promise<void>;

/** The link's counters (the bridge's STATUS shows them). */
export interface BrokerLinkStats {
  state: LinkState;
  /** The broker, without any login. */
  broker: string;
  protocolVersion: 4 | 5;
  /** Connections made (CONNACK accepted) and attempts started since start. */
  connects: number;
  attempts: number;
  /** Failed attempts and losses since the last lasting connection. */
  failuresInRow: number;
  /** When the current connection was made / when the next attempt starts (ISO), if so. */
  connectedSince?: string;
  nextAttemptAt?: string;
  /** Why the last attempt or connection ended. */
  lastFailure?: string;
  published: number;
  /** Publishes dropped: while not connected, over maxInFlight, or lost with a connection. */
  dropped: { offline: number; backlog: number; lost: number };
  inFlight: number;
  received: number;
  /** Incoming messages over maxIncomingBytes, dropped. */
  tooLarge: number;
  /** Handlers (message and on-connect) that threw or rejected. */
  handlerErrors: number;
  subscriptions: number;
}

/** A connection lasting this long counts as good: the backoff starts again from its first step. */
const STABLE_MS = 30_000;
const DEFAULT_BACKOFF: Backoff = { first: 1000, max: 60_000 };

interface Subscription {
  handlers: Set<MessageHandler>;
  options: Required<SubscribeOptions>;
  /** MQTT 5's subscription identifier: which of overlapping filters a message came for. */
  id: number;
}

/**
 * One connection to the MQTT broker, kept up for as long as the service runs: `will` =
 * `<baseTopic>/availability` `offline` (retained, QoS 1); on each connection it publishes
 * `online` there (retained, QoS 1), subscribes every filter again and calls the on-connect
 * handlers. After a failure or a loss it tries again after {@link backoffDelay} (1 s doubling to
 * 60 s). Nothing the broker does throws out of it: `problem()` says what is wrong.
 *
 * Each attempt is a fresh mqtt.js client with its own reconnect off (`reconnectPeriod: 0`):
 * mqtt.js's reconnect has one fixed period (no backoff), and a fresh client carries nothing
 * over — no offline queue, no unacknowledged packets from a dead connection, no late events of
 * an old socket mistaken for the new one's.
 *
 * While not connected, `publish` drops (counted in `stats().dropped.offline`) instead of
 * queueing: on reconnection the on-connect handlers publish every current state, so a queue would
 * only replay stale ones first and grow without bound during a long outage.
 */
export class BrokerLink {
  private readonly options: BrokerLinkOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly availability: string;
  private readonly broker: string;
  private readonly protocolVersion: 4 | 5;
  private client: MqttClient | undefined;
  private state: LinkState = "connecting";
  private started = false;
  private retryTimer: TimerHandle | undefined;
  private nextAttemptAt: number | undefined;
  private connectedAt: number | undefined;
  private failuresInRow = 0;
  private lastFailure: string | undefined;
  private subscribeProblem: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private lastSubscriptionId = 0;
  private readonly connectHandlers = new Set<ConnectHandler>();
  private readonly stateListeners = new Set<() => void>();
  /** Settles every publish still waiting on the current client (as lost) when it is dropped. */
  private readonly pending = new Set<() => void>();
  private readonly counts = { connects: 0, attempts: 0, published: 0, received: 0, tooLarge: 0, handlerErrors: 0 };
  private readonly dropped = { offline: 0, backlog: 0, lost: 0 };

  constructor(options: BrokerLinkOptions, log: Logger, clock: Clock = systemClock) {
    this.options = options;
    this.log = log;
    this.clock = clock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.availability = `${options.baseTopic}/availability`;
    this.broker = displayBroker(options.url);
    this.protocolVersion = options.protocolVersion ?? 5;
  }

  /** Starts connecting (once); returns at once. */
  start(): void {
    if (this.started || this.state === "closed") return;
    this.started = true;
    this.attempt();
  }

  /** Connecting, connected, down or closed: for the heartbeat's `broker` field. */
  linkState(): LinkState {
    return this.state;
  }

  /** Whether publishes go out now. */
  isConnected(): boolean {
    return this.state === "connected";
  }

  /** What is wrong, for the heartbeat's `problem`: undefined while connected with every subscription granted. */
  problem(): string | undefined {
    switch (this.state) {
      case "connected":
        return this.subscribeProblem;
      case "connecting":
        return `connecting to ${this.broker}`;
      case "down":
        return this.lastFailure ?? `not connected to ${this.broker}`;
      case "closed":
        return undefined;
    }
  }

  /** Calls `listener` whenever the state or problem may have changed (the heartbeat's `problemMayHaveChanged`). Returns a remover. */
  onStateChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Registers a handler called on every connection (and at once if connected now). Returns a remover. */
  onConnect(handler: ConnectHandler): () => void {
    this.connectHandlers.add(handler);
    if (this.state === "connected") this.callSafely("on-connect", () => handler());
    return () => this.connectHandlers.delete(handler);
  }

  /**
   * Calls `handler` for messages on `filter` (MQTT wildcards `+` and `#` allowed), subscribed
   * now if connected and again on every connection. Returns an unsubscriber.
   */
  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions = {}): () => void {
    checkFilter(filter);
    let subscription = this.subscriptions.get(filter);
    if (subscription === undefined) {
      this.lastSubscriptionId++;
      subscription = {
        handlers: new Set(),
        options: { qos: options.qos ?? 1, noLocal: options.noLocal ?? false },
        id: this.lastSubscriptionId,
      };
      this.subscriptions.set(filter, subscription);
      if (this.state === "connected" && this.client) this.subscribeOn(this.client, [filter]);
    }
    const { handlers } = subscription;
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size > 0 || this.subscriptions.get(filter)?.handlers !== handlers) return;
      this.subscriptions.delete(filter);
      if (this.state === "connected") this.client?.unsubscribe(filter);
    };
  }

  /**
   * Publishes if connected. Resolves true once the broker has it (QoS 1: its PUBACK; QoS 0:
   * written), false when it was dropped — not connected, over `maxInFlight` in flight, or the
   * connection lost before the PUBACK — and counted in `stats().dropped`. Never rejects.
   */
  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<boolean> {
    const client = this.client;
    if (this.state !== "connected" || client === undefined) {
      this.dropped.offline++;
      return Promise.resolve(false);
    }
    if (this.pending.size >= (this.options.maxInFlight ?? 1000)) {
      this.dropped.backlog++;
      this.log.once("warn", "publish:backlog", "the broker is not keeping up: dropping publishes (counted in STATUS)", {
        maxInFlight: this.options.maxInFlight ?? 1000,
      });
      return Promise.resolve(false);
    }
    return this.publishOn(client, topic, payload, options);
  }

  /** The counters for STATUS. */
  stats(): BrokerLinkStats {
    const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
    const connectedSince = this.state === "connected" ? iso(this.connectedAt) : undefined;
    const nextAttemptAt = this.state === "down" ? iso(this.nextAttemptAt) : undefined;
    return {
      state: this.state,
      broker: this.broker,
      protocolVersion: this.protocolVersion,
      connects: this.counts.connects,
      attempts: this.counts.attempts,
      failuresInRow: this.failuresInRow,
      ...(connectedSince === undefined ? {} : { connectedSince }),
      ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
      ...(this.lastFailure === undefined ? {} : { lastFailure: this.lastFailure }),
      published: this.counts.published,
      dropped: { ...this.dropped },
      inFlight: this.pending.size,
      received: this.counts.received,
      tooLarge: this.counts.tooLarge,
      handlerErrors: this.counts.handlerErrors,
      subscriptions: this.subscriptions.size,
    };
  }

  /**
   * Publishes `offline` (retained, QoS 1) if connected and waits for its PUBACK, then disconnects
   * cleanly; within `closeTimeoutMs` in all. If `offline` was not acknowledged in time the socket
   * is dropped without a DISCONNECT, so the broker publishes the will (`offline`) instead.
   * Idempotent; no reconnection afterwards.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const wasConnected = this.state === "connected";
    this.setState("closed");
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    if (client === undefined) return;
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 1000);
    const within = <T>(promise: Promise<T>, fallback: T): Promise<T> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(fallback), Math.max(0, deadline - Date.now()));
        void promise.then((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    let offlineSent = false;
    if (wasConnected && client.connected)
      offlineSent = await within(this.publishOn(client, this.availability, "offline", { retain: true, qos: 1 }), false);
    if (offlineSent) {
      const ended = await within(new Promise<boolean>((resolve) => client.end(false, {}, () => resolve(true))), false);
      if (ended) {
        this.discard(client);
        return;
      }
    } else if (wasConnected) {
      this.log.warn("could not publish offline before closing: the broker publishes the will instead");
    }
    this.discard(client);
  }

  private attempt(): void {
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
    if (this.state === "closed") return;
    this.counts.attempts++;
    const { options } = this;
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      protocolVersion: this.protocolVersion,
      clean: true,
      keepalive: options.keepaliveS ?? 30,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      // Nothing is queued in mqtt.js: publish() only hands over while connected.
      queueQoSZero: false,
      will: { topic: this.availability, payload: Buffer.from("offline"), qos: 1, retain: true },
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
      rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
      // MQTT 5: the broker sends us nothing larger (Mosquitto drops it for us); mqtt.js refuses one anyway.
      ...(this.protocolVersion === 5 ? { properties: { maximumPacketSize: this.maxIncoming() + 64 * 1024 } } : {}),
    };
    let client: MqttClient;
    try {
      client = connect(options.url, clientOptions);
    } catch (error) {
      // A URL mqtt.js cannot use at all: the config check should have caught it; keep trying anyway, slowly.
      this.failed(undefined, `cannot connect to ${this.broker}: ${errorText(error)}`);
      return;
    }
    this.client = client;
    let failure: string | undefined;
    client.on("connect", () => {
      // No Nagle: a QoS 1 PUBLISH otherwise holds back the next small one until the broker's delayed
      // ACK (40 ms on Linux); the bench saw an alarm change wait behind a sensor's retained state.
      noDelay(client.stream);
      if (client === this.client && this.state !== "closed") this.connected(client);
    });
    // mqtt.js emits the cause (a refused CONNACK, a socket or TLS error) before the close that follows it.
    client.on("error", (error) => (failure = this.describe(error)));
    client.on("disconnect", (packet) => {
      failure = `the broker disconnected us: ${reasonText(packet.reasonCode ?? 0)}${packet.reasonCode === 0x8e ? ` (another client uses the client id ${options.clientId}: set mqtt.clientId)` : ""}`;
    });
    client.on("message", (topic, payload, packet) =>
      this.deliver(topic, payload, packet.retain, packet.properties?.subscriptionIdentifier),
    );
    client.on("close", () => {
      if (client !== this.client || this.state === "closed") return;
      this.failed(
        client,
        failure ??
          (this.state === "connected" ? `lost the connection to ${this.broker}` : `${this.broker} closed the connection before answering`),
      );
    });
  }

  private connected(client: MqttClient): void {
    this.counts.connects++;
    this.connectedAt = this.clock.now();
    this.subscribeProblem = undefined;
    const recovered = this.lastFailure !== undefined;
    this.log.info(`connected to ${this.broker}`, { clientId: this.options.clientId, ...(recovered ? { after: this.lastFailure } : {}) });
    this.setState("connected");
    if (this.subscriptions.size > 0) this.subscribeOn(client, [...this.subscriptions.keys()]);
    void this.publishOn(client, this.availability, "online", { retain: true, qos: 1 });
    for (const handler of this.connectHandlers) this.callSafely("on-connect", () => handler());
  }

  private failed(client: MqttClient | undefined, failure: string): void {
    const wasConnected = this.state === "connected";
    const lastedMs = wasConnected && this.connectedAt !== undefined ? this.clock.now() - this.connectedAt : 0;
    if (client) this.discard(client);
    this.client = undefined;
    this.connectedAt = undefined;
    this.failuresInRow = lastedMs >= STABLE_MS ? 1 : this.failuresInRow + 1;
    const delay = backoffDelay(this.failuresInRow, this.backoff);
    this.nextAttemptAt = this.clock.now() + delay;
    this.retryTimer = this.clock.setTimeout(() => this.attempt(), delay);
    this.setState("down");
    if (wasConnected) this.log.warn(`lost the connection to the broker: reconnecting in ${delay / 1000} s`, { reason: failure });
    this.noteFailure(failure, delay);
  }

  private noteFailure(failure: string, delayMs?: number): void {
    if (failure === this.lastFailure) return;
    this.lastFailure = failure;
    // Logged when it changes, not at every retry: a broker down all night is one line.
    this.log.warn(failure, { failuresInRow: this.failuresInRow, ...(delayMs === undefined ? {} : { retryInS: delayMs / 1000 }) });
    this.notify();
  }

  /** Ends a client for good: no further events from it count, its pending publishes settle as lost. */
  private discard(client: MqttClient): void {
    client.removeAllListeners();
    // mqtt.js may still emit errors from the dying socket: an EventEmitter without a listener would throw them.
    client.on("error", () => undefined);
    client.end(true);
    if (client === this.client) {
      for (const settle of [...this.pending]) settle();
      this.pending.clear();
    }
  }

  private publishOn(client: MqttClient, topic: string, payload: string | Buffer, options: PublishOptions): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        this.pending.delete(lost);
        if (ok) this.counts.published++;
        else this.dropped.lost++;
        resolve(ok);
      };
      const lost = (): void => settle(false);
      this.pending.add(lost);
      try {
        client.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }, (error) =>
          settle(error === undefined || error === null),
        );
      } catch (error) {
        this.log.once("warn", `publish:${errorText(error)}`, "mqtt.js refused a publish", { topic, error });
        settle(false);
      }
    });
  }

  private subscribeOn(client: MqttClient, filters: string[]): void {
    for (const filter of filters) {
      const subscription = this.subscriptions.get(filter);
      if (subscription === undefined) continue;
      const { qos, noLocal } = subscription.options;
      const v5 = this.protocolVersion === 5 ? { nl: noLocal, properties: { subscriptionIdentifier: subscription.id } } : {};
      client.subscribe(filter, { qos, ...v5 }, (error) => {
        if (error === null || client !== this.client) return;
        this.subscribeProblem = `the broker refused the subscription to ${filter}: ${error.message.replace(/^Subscribe error: /, "")} (its ACL?)`;
        this.log.warn(this.subscribeProblem);
        this.notify();
      });
    }
  }

  /**
   * Hands a message to the handlers of the filters it came for. A broker may send one copy per
   * matching subscription when filters overlap (Mosquitto does): under MQTT 5 each copy names its
   * subscriptions, so no handler sees a message twice; under 3.1.1 every matching filter's handlers get each copy.
   */
  private deliver(topic: string, payload: Buffer, retained: boolean, subscriptionIds: number | number[] | undefined): void {
    if (payload.length > this.maxIncoming()) {
      this.counts.tooLarge++;
      this.log.once("warn", "message:too-large", "dropping MQTT messages over the size limit (counted in STATUS)", {
        topic,
        bytes: payload.length,
        limit: this.maxIncoming(),
      });
      return;
    }
    this.counts.received++;
    const ids = subscriptionIds === undefined ? undefined : new Set(Array.isArray(subscriptionIds) ? subscriptionIds : [subscriptionIds]);
    for (const [filter, subscription] of this.subscriptions) {
      if (ids === undefined ? !topicMatches(filter, topic) : !ids.has(subscription.id)) continue;
      for (const handler of subscription.handlers) this.callSafely(`message:${filter}`, () => handler(topic, payload, { retained }));
    }
  }

  private callSafely(what: string, call: () => void | Promise<void>): void {
    const failed = (error: unknown): void => {
      this.counts.handlerErrors++;
      this.log.once("error", `handler:${what}`, `a ${what.startsWith("message") ? "message" : "connect"} handler failed (said once)`, {
        what,
        error,
      });
    };
    try {
      const result = call();
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    if (state === "connected") this.lastFailure = undefined;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.stateListeners) {
      try {
        listener();
      } catch (error) {
        this.log.once("error", "state-listener", "a link state listener failed", { error });
      }
    }
  }

  private maxIncoming(): number {
    return this.options.maxIncomingBytes ?? 256 * 1024;
  }

  /** One attempt's error in words for `problem`: a refused login, an unreachable broker, TLS. */
  private describe(error: unknown): string {
    return describeLinkError(error, this.broker, this.options.clientId);
  }
}

const LOGIN_REFUSED = new Set([4, 0x86]);
const NOT_AUTHORIZED = new Set([5, 0x87]);
const CLIENT_ID_REJECTED = new Set([2, 0x85]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE"]);

/**
 * An mqtt.js or socket error as `problem` text: "the broker refused the login: bad user name or
 * password (…)", "cannot reach mqtt://host:port: ECONNREFUSED", "TLS to … failed: …", or the
 * error's own message.
 */
export function describeLinkError(error: unknown, broker: string, clientId: string): string {
  if (error instanceof ErrorWithReasonCode && typeof error.code === "number") {
    const code = error.code;
    const login = "mqtt.username and mqtt.password, passwordFile or passwordEnv";
    if (LOGIN_REFUSED.has(code)) return `the broker refused the login: bad user name or password (${login})`;
    // Mosquitto answers a wrong password so, as well as a user its ACL keeps out.
    if (NOT_AUTHORIZED.has(code))
      return `the broker refused the login: bad user name or password, or not authorized (${login}; the broker's ACL)`;
    if (CLIENT_ID_REJECTED.has(code)) return `the broker refused the client id ${clientId} (mqtt.clientId)`;
    if (error.message.startsWith("Connection refused")) return `the broker refused the connection: ${reasonText(code)} (code ${code})`;
    return `${broker}: ${error.message} (code ${code})`;
  }
  const code = typeof (error as { code?: unknown } | null)?.code === "string" ? (error as { code: string }).code : undefined;
  const message = errorText(error);
  if (code !== undefined && UNREACHABLE.has(code)) return `cannot reach ${broker}: ${code}`;
  if (code !== undefined && isTlsCode(code)) {
    const hint = /CERT|SIGNATURE|ISSUER/.test(code) ? ": is mqtt.tls.ca the CA that signed the broker's certificate?" : "";
    return `TLS to ${broker} failed: ${message} (${code})${hint}`;
  }
  if (message === "TLS not authorized") return `TLS to ${broker} failed: the broker's certificate is not trusted`;
  if (message === "connack timeout") return `${broker} did not answer the MQTT connect in time (is it an MQTT broker?)`;
  if (message === "Keepalive timeout") return `the connection to ${broker} went silent (keepalive timeout)`;
  return `${broker}: ${message}${code === undefined ? "" : ` (${code})`}`;
}

function isTlsCode(code: string): boolean {
  return /^(ERR_SSL|ERR_TLS|ERR_OSSL)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|SIGNATURE/.test(code);
}

function reasonText(code: number): string {
  const texts: Record<number, string> = {
    1: "unacceptable protocol version",
    3: "server unavailable",
    0x84: "unsupported protocol version",
    0x88: "server unavailable",
    0x89: "server busy",
    0x8a: "banned",
    0x8b: "server shutting down",
    0x8e: "session taken over",
    0x9c: "use another server",
    0x9d: "server moved",
    0x9f: "connection rate exceeded",
  };
  return texts[code] ?? `reason code 0x${code.toString(16)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `scheme://host:port[/path]` without user or password, with the scheme's default port filled in. */
export function displayBroker(url: string): string {
  try {
    const parsed = new URL(url);
    const defaults: Record<string, string> = { "mqtt:": "1883", "mqtts:": "8883", "ws:": "80", "wss:": "443" };
    const port = parsed.port === "" ? (defaults[parsed.protocol] ?? "") : parsed.port;
    const path = parsed.protocol.startsWith("ws") && parsed.pathname !== "/" ? parsed.pathname : "";
    return `${parsed.protocol}//${parsed.hostname}${port === "" ? "" : `:${port}`}${path}`;
  } catch {
    return "the broker (its URL does not parse)";
  }
}

/** Whether an MQTT topic filter (`+` one level, `#` the rest) matches a topic name. `$` topics match no leading wildcard. */
export function topicMatches(filter: string, topic: string): boolean {
  const want = filter.split("/");
  const have = topic.split("/");
  if (topic.startsWith("$") && (want[0] === "+" || want[0] === "#")) return false;
  for (let i = 0; i < want.length; i++) {
    const level = want[i];
    if (level === "#") return true;
    if (i >= have.length) return false;
    if (level !== "+" && level !== have[i]) return false;
  }
  return want.length === have.length;
}

function checkFilter(filter: string): void {
  const levels = filter.split("/");
  const bad =
    filter === "" ||
    levels.some(
      (level, i) => (level.includes("#") && (level !== "#" || i !== levels.length - 1)) || (level.includes("+") && level !== "+"),
    );
  if (bad) throw new TypeError(`expected an MQTT topic filter (+ a whole level, # the last), got ${JSON.stringify(filter)}`);
}

/** Sets TCP_NODELAY on a TCP or TLS socket (a WebSocket's stream has no such switch: left alone). */
function noDelay(stream: unknown): void {
  const socket = stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  if (typeof socket?.setNoDelay === "function") socket.setNoDelay(true);
}
