import { BusClient, serveControl, startHeartbeat, subjectMessage, Topic } from "@roomguard/bus";
import type { RoomguardConfig } from "@roomguard/config";
import { JournalWriter } from "@roomguard/journal";
import { systemClock, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { openForwarder, type Forwarder } from "./forwarder.js";
import { RouterStats, type RouterStatsReport } from "./stats.js";

const STOPPING_PREFIX = `${Topic.ROUTER}: stopping`;

export interface RouterDeps {
  config: RoomguardConfig;
  /** `router.journal.dir`, resolved against the config file's directory. */
  journalDir: string;
  log: Logger;
  clock?: Clock;
  /** Asks the process to stop cleanly (DEATH, `CONTROL: router STOP`). */
  requestStop: (reason: string) => void;
  /** Reports a failure the router cannot recover from; the process exits 1. */
  fail: (error: Error) => void;
}

export interface Router {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Endpoints as bound (any `*` port resolved); after start. */
  readonly endpoints: { in: string; out: string };
  report(): RouterStatsReport;
}

/** The most often a `stats` line is logged at info level. */
const STATS_LOG_INTERVAL_MS = 60_000;

/** The router service: forwarding, journal, stats, heartbeat and control on the bus. */
export function createRouter(deps: RouterDeps): Router {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const stats = new RouterStats(clock.now());
  let forwarder: Forwarder | undefined;
  let journal: JournalWriter | undefined;
  let bus: BusClient | undefined;
  let statsTimer: TimerHandle | undefined;
  const stoppers: Array<() => void> = [];
  let stopping = false;

  const report = (): RouterStatsReport => {
    const journalStats = journal?.stats;
    return stats.report(
      clock.now(),
      journalStats
        ? { enabled: true, next_seq: journalStats.nextSeq, pending_bytes: journalStats.pendingBytes, segments: journalStats.segments }
        : null,
      journalStats?.droppedMessages ?? 0,
    );
  };

  let lastStatsLogAt = -Infinity;
  const publishStats = (): void => {
    const quiet = stats.messagesSinceSample === 0;
    stats.sample(clock.now());
    const current = report();
    // The log gets a stats line a minute at most (every interval at debug): heartbeats alone keep
    // a router busy, and the launcher's terminal should not scroll with the same line every few seconds.
    const now = clock.now();
    if (quiet || now - lastStatsLogAt < STATS_LOG_INTERVAL_MS) log.debug("stats", { ...current });
    else {
      lastStatsLogAt = now;
      log.info("stats", { ...current });
    }
    bus?.publish(subjectMessage(Topic.ROUTER, "stats", current)).catch((error: unknown) => {
      log.once("warn", "stats-publish", "cannot publish ROUTER: stats", { error });
    });
  };

  /**
   * Publishes `ROUTER: stopping` through the router and waits until the journal's tap has read
   * it: whatever was forwarded before it — everything a subscriber already has — is then in
   * the journal too.
   */
  const journalEverythingForwarded = async (): Promise<void> => {
    if (!bus || !forwarder) return;
    const text = subjectMessage(Topic.ROUTER, "stopping", { pid: process.pid, at: clock.now() });
    const seen = forwarder.tapSees(Buffer.from(text), 1000);
    await bus.publish(text).catch(() => undefined);
    if (!(await seen)) log.warn("the journal may miss the last messages: its reader did not catch up before the stop");
  };

  /** DEATH (lala-pi) and `CONTROL: router STOP` switch the router off only when the config allows it. */
  const acceptStop = (what: string): boolean => {
    if (!config.router.acceptDeath) {
      log.once("warn", `refused:${what}`, `ignoring ${what}: router.acceptDeath is false (said once)`);
      return false;
    }
    deps.requestStop(what);
    return true;
  };

  return {
    get endpoints() {
      if (!forwarder) throw new Error("the router has not started");
      return forwarder.endpoints;
    },

    report,

    async start() {
      if (config.router.journal.enabled) {
        journal = await JournalWriter.open({
          dir: deps.journalDir,
          segmentBytes: config.router.journal.segmentBytes,
          maxBytes: config.router.journal.maxBytes,
          flushIntervalMs: config.router.journal.flushIntervalMs,
          clock,
          log: log.child("journal"),
        });
      }
      forwarder = await openForwarder({
        in: config.bus.in,
        out: config.bus.out,
        maxMessageSize: config.bus.maxMessageSize,
        subscriberQueue: config.router.subscriberQueue,
        publisherQueue: config.router.publisherQueue,
        tapQueue: config.router.journalQueue,
        onEvent: (side, event) => {
          stats.countEvent(side, event);
          if (event.type.startsWith("handshake:error")) {
            log.once("warn", `refused:${side}`, "refused a connection that does not speak ZMTP (said once)", { side, event: event.type });
          }
        },
        onBatch: (frames, messages, bytes) => {
          stats.countBatch(messages, bytes);
          journal?.append(frames, messages, clock.now());
        },
        onTapEnd: (error) => {
          if (!stopping) deps.fail(new Error("the journal tap closed unexpectedly", { cause: error }));
        },
      });
      const forwarding = forwarder;
      forwarding.done.then(
        () => {
          if (!stopping) deps.fail(new Error("the forwarding proxy ended unexpectedly"));
        },
        (error: unknown) => deps.fail(new Error("the forwarding proxy failed", { cause: error })),
      );

      bus = new BusClient({
        in: forwarding.internal.in,
        out: forwarding.internal.out,
        context: forwarding.context,
        maxMessageSize: config.bus.maxMessageSize,
        log,
      });
      const control = serveControl({
        bus,
        service: "router",
        log: log.child("control"),
        status: () => ({ ...report() }),
        stop: () => acceptStop("CONTROL: router STOP"),
        stopRefusal: "STOP from the bus is off (router.acceptDeath): `roomguard ctl stop router` stops it",
      });
      stoppers.push(() => control.stop());
      // The last message of a clean stop; subscribing makes the router's own publisher send it.
      const stoppingEcho = bus.subscribe(STOPPING_PREFIX);
      stoppers.push(() => stoppingEcho.close());
      const deaths = bus.subscribe(Topic.DEATH);
      stoppers.push(() => deaths.close());
      void (async () => {
        for await (const message of deaths) if (message.topic === Topic.DEATH) acceptStop("DEATH");
      })();
      const heartbeat = startHeartbeat({
        bus,
        service: "router",
        intervalS: config.bus.heartbeatIntervalS,
        clock,
        onError: (error) => log.once("warn", "heartbeat", "cannot publish the heartbeat", { error }),
      });
      stoppers.push(() => heartbeat.stop());
      statsTimer = clock.setInterval(publishStats, config.router.statsIntervalS * 1000);

      log.info("listening", {
        in: forwarding.endpoints.in,
        out: forwarding.endpoints.out,
        journal: journal ? deps.journalDir : "off",
        acceptDeath: config.router.acceptDeath,
      });
    },

    async stop() {
      stopping = true;
      if (statsTimer) clock.clearInterval(statsTimer);
      await journalEverythingForwarded();
      for (const stop of stoppers) stop();
      await bus?.close();
      log.info("final stats", { ...report() });
      await forwarder?.close();
      await journal?.close();
    },
  };
}
