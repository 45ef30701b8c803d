import type { Event } from "zeromq";
import { needsCurve } from "@roomguard/bus";
import type { JournalWriterStats } from "@roomguard/journal";
import type { Subscriptions } from "./subscription-watch.js";

/** What `ROUTER: stats` carries. */
export interface RouterStatsReport {
  uptime_s: number;
  /** Messages and bytes (without framing) forwarded since start. */
  messages: number;
  bytes: number;
  /** Over the last stats interval. */
  msgs_per_s: number;
  bytes_per_s: number;
  /** Connections open now on IN and OUT (the router's own client excluded). */
  publishers: number;
  subscribers: number;
  /**
   * Connections ended. A publisher that sends more than bus.maxMessageSize, and a subscriber
   * that sends a subscription longer than router.maxSubscriptionBytes, are cut by libzmq and
   * count here too: libzmq does not tell a cut from a goodbye.
   */
  disconnects: { publishers: number; subscribers: number };
  /** The distinct subscriptions the publishers hold now, and their bytes. */
  subscriptions: { prefixes: number; bytes: number };
  /**
   * Connections that failed the ZMTP handshake (not ZeroMQ, wrong version, garbage); handshakes
   * refused on a CURVE endpoint (no key, a key not on the allow-list, another router's key); times every
   * subscriber was cut because more than router.maxSubscriptions distinct subscriptions were held.
   */
  refused: { handshakes: number; auth: number; oversubscribed: number };
  /** Messages forwarded but missing from the journal (disk too slow or failing; gap markers say where). */
  dropped: { journal: number };
  journal: {
    enabled: boolean;
    next_seq: number;
    pending_bytes: number;
    segments: number;
    bytes: number;
    /** Messages deleted from the journal: to stay within maxBytes, or older than maxAgeDays. */
    evicted: { size: number; age: number };
    /** Messages of protected topics moved aside instead of deleted. */
    kept: number;
    /** Messages forwarded and never journaled, by rule: `SIM: press …` (a simulated finger typing, maybe a code). */
    skipped: { sim_press: number };
    /** What keeps the journal from writing, or null. */
    problem: string | null;
  } | null;
}

interface Counters {
  accepted: number;
  disconnected: number;
  handshakeErrors: number;
  authErrors: number;
}

/** Counts the router's traffic and connections; rates are taken per sampling interval. */
export class RouterStats {
  /** Kept up to date by the forwarder's subscription watch. */
  subscriptions: Subscriptions = { prefixes: 0, bytes: 0 };
  private messages = 0;
  private bytes = 0;
  private oversubscribed = 0;
  private skippedSimPresses = 0;
  private readonly sides: Record<"publisher" | "subscriber", Counters> = {
    publisher: { accepted: 0, disconnected: 0, handshakeErrors: 0, authErrors: 0 },
    subscriber: { accepted: 0, disconnected: 0, handshakeErrors: 0, authErrors: 0 },
  };
  private window = { atMs: 0, messages: 0, bytes: 0 };
  private rates = { msgs_per_s: 0, bytes_per_s: 0 };

  constructor(private readonly startedAtMs: number) {
    this.window.atMs = startedAtMs;
  }

  countBatch(messages: number, bytes: number): void {
    this.messages += messages;
    this.bytes += bytes;
  }

  /** Every connection of a forwarding that has closed ended: the open ones count as disconnects. */
  allCut(): void {
    for (const counters of Object.values(this.sides)) counters.disconnected = counters.accepted;
  }

  /** `SIM: press` messages the journal was not given (unjournaled.ts). */
  countSkippedSimPresses(count: number): void {
    this.skippedSimPresses += count;
  }

  countOversubscribed(): void {
    this.oversubscribed++;
  }

  countEvent(side: "publisher" | "subscriber", event: Event): void {
    const counters = this.sides[side];
    switch (event.type) {
      case "accept":
        counters.accepted++;
        break;
      case "disconnect":
        counters.disconnected++;
        break;
      case "handshake:error:protocol":
      case "handshake:error:auth":
      case "handshake:error:other":
        // On a CURVE endpoint every failed handshake is a refusal: a plain client fails the mechanism, a wrong key ZAP.
        if ("address" in event && needsCurve(event.address)) counters.authErrors++;
        else counters.handshakeErrors++;
        break;
      default:
        break;
    }
  }

  /** Closes a rate window: the rates reported until the next sample. */
  sample(nowMs: number): void {
    const seconds = Math.max(0.001, (nowMs - this.window.atMs) / 1000);
    this.rates = {
      msgs_per_s: Math.round((this.messages - this.window.messages) / seconds),
      bytes_per_s: Math.round((this.bytes - this.window.bytes) / seconds),
    };
    this.window = { atMs: nowMs, messages: this.messages, bytes: this.bytes };
  }

  /** Messages forwarded in the current window so far (to tell an idle interval). */
  get messagesSinceSample(): number {
    return this.messages - this.window.messages;
  }

  report(nowMs: number, journal: JournalWriterStats | null): RouterStatsReport {
    const { publisher, subscriber } = this.sides;
    return {
      uptime_s: Math.round((nowMs - this.startedAtMs) / 100) / 10,
      messages: this.messages,
      bytes: this.bytes,
      ...this.rates,
      publishers: publisher.accepted - publisher.disconnected,
      subscribers: subscriber.accepted - subscriber.disconnected,
      disconnects: { publishers: publisher.disconnected, subscribers: subscriber.disconnected },
      subscriptions: { ...this.subscriptions },
      refused: {
        handshakes: publisher.handshakeErrors + subscriber.handshakeErrors,
        auth: publisher.authErrors + subscriber.authErrors,
        oversubscribed: this.oversubscribed,
      },
      dropped: { journal: journal?.droppedMessages ?? 0 },
      journal: journal
        ? {
            enabled: true,
            next_seq: journal.nextSeq,
            pending_bytes: journal.pendingBytes,
            segments: journal.segments,
            bytes: journal.bytes,
            evicted: journal.evicted,
            kept: journal.keptMessages,
            skipped: { sim_press: this.skippedSimPresses },
            problem: journal.problem ?? null,
          }
        : null,
    };
  }
}
