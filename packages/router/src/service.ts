import { tmpdir } from "node:os";
import { AllowList, BusClient, needsCurve, routerServerKeys, serveControl, startHeartbeat, subjectMessage, Topic } from "@roomguard/bus";
import { LALAPI_PORTS, type RoomguardConfig } from "@roomguard/config";
import { JournalWriter } from "@roomguard/journal";
import { systemClock, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { openForwarder, type Forwarder } from "./forwarder.js";
import { removeStaleTapDirs } from "./stale-tap-dirs.js";
import { RouterStats, type RouterStatsReport } from "./stats.js";
import type { Subscriptions } from "./subscription-watch.js";
import { journaledOnly } from "./unjournaled.js";

const STOPPING_PREFIX = `${Topic.ROUTER}: stopping`;
const DAY_MS = 86_400_000;

export interface RouterDeps {
  config: RoomguardConfig;
  /** `router.journal.dir`, resolved against the config file's directory. */
  journalDir: string;
  /** `bus.keys`, resolved: read only when bus.in or bus.out needs CURVE (then required). */
  keysDir?: string;
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

/** Forwarding and what rides on it: the router's own bus client, its control, heartbeat and subscriptions. */
interface Forwarding {
  forwarder: Forwarder;
  bus: BusClient;
  heartbeat: ReturnType<typeof startHeartbeat>;
  /** Publishes a marker through the router and waits until the journal has read it, then closes everything. */
  close(): Promise<void>;
}

/** The most often a `stats` line is logged at info level. */
const STATS_LOG_INTERVAL_MS = 60_000;
/** How long the heartbeat says that every subscriber was cut for too many subscriptions. */
const OVERSUBSCRIBED_PROBLEM_MS = 60_000;

/** The router service: forwarding, journal, stats, heartbeat and control on the bus. */
export function createRouter(deps: RouterDeps): Router {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const stats = new RouterStats(clock.now());
  let forwarding: Forwarding | undefined;
  let journal: JournalWriter | undefined;
  let statsTimer: TimerHandle | undefined;
  let stopping = false;
  let restarting: Promise<void> | undefined;
  let oversubscribedAt = -Infinity;

  // The CURVE side, when bus.in or bus.out is on the LAN: the router's pair and the allow-list it follows.
  let allowList: AllowList | undefined;
  const curve = needsCurve(config.bus.in) || needsCurve(config.bus.out) ? curveSide() : undefined;

  function curveSide() {
    const { keysDir } = deps;
    if (keysDir === undefined) throw new Error("bus.in or bus.out needs CURVE, and no keys directory was given");
    const keys = routerServerKeys(keysDir);
    allowList = new AllowList(keysDir, (error) => log.once("warn", `key-file:${error.file}`, `ignoring a key file: ${error.message}`));
    return {
      keys,
      admit: (publicKey: string) => allowList?.admit(publicKey),
      onRefused: ({ address, fingerprint }: { address: string; fingerprint: string }) =>
        log.once(
          "warn",
          `refused-key:${address}`,
          `refused a CURVE key that is not on the allow-list from ${address} (said once per address)`,
          { address, key: fingerprint },
        ),
    };
  }

  const report = (): RouterStatsReport => stats.report(clock.now(), journal?.stats ?? null);

  /** What `roomguard status` shows for the router: the journal's trouble, or a recent cut of every subscriber. */
  const problem = (): string | undefined => {
    const problems: string[] = [];
    const journalProblem = journal?.problem;
    if (journalProblem) problems.push(journalProblem);
    if (clock.now() - oversubscribedAt < OVERSUBSCRIBED_PROBLEM_MS) {
      problems.push(
        `cut every subscriber at ${new Date(oversubscribedAt).toISOString()}: more than router.maxSubscriptions (${config.router.maxSubscriptions}) distinct subscriptions; something on the bus subscribes to far too much`,
      );
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
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
    forwarding?.bus.publish(subjectMessage(Topic.ROUTER, "stats", current)).catch((error: unknown) => {
      log.once("warn", "stats-publish", "cannot publish ROUTER: stats", { error });
    });
    // A journal that stops or starts writing again is news for `roomguard status` at once (the
    // heartbeat beats only when its problem differs from the one it last sent).
    forwarding?.heartbeat.problemMayHaveChanged();
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

  /**
   * More distinct subscriptions than the config allows reached the publishers. libzmq cannot say
   * which subscriber sent them, so every subscriber is cut: the router starts its forwarding
   * afresh, the publishers drop what the old connections asked for, and subscribers reconnect.
   */
  const onSubscriptions = (now: Subscriptions): void => {
    stats.subscriptions = now;
    if (now.prefixes <= config.router.maxSubscriptions || stopping || restarting) return;
    stats.countOversubscribed();
    oversubscribedAt = clock.now();
    log.once(
      "warn",
      "oversubscribed",
      "too many distinct subscriptions: cutting every subscriber so that the publishers forget them; they reconnect by themselves (said once; ROUTER: stats counts refused.oversubscribed)",
      { prefixes: now.prefixes, bytes: now.bytes, maxSubscriptions: config.router.maxSubscriptions },
    );
    restartForwarding();
  };

  /**
   * Closes every connection and opens the endpoints afresh: clients reconnect by themselves
   * (libzmq cannot cut one connection of a bound socket). After an oversubscription, and after
   * a revoked key, whose holder then fails the handshake.
   */
  const restartForwarding = (): void => {
    if (stopping || restarting) return;
    restarting = (async () => {
      try {
        const old = forwarding;
        forwarding = undefined;
        await old?.close();
        if (!stopping) forwarding = await openForwarding();
        forwarding?.heartbeat.problemMayHaveChanged();
      } catch (error) {
        deps.fail(new Error("cannot restart forwarding", { cause: error }));
      } finally {
        restarting = undefined;
      }
    })();
  };

  const openForwarding = async (): Promise<Forwarding> => {
    let closing = false;
    const forwarder = await openForwarder({
      in: config.bus.in,
      out: config.bus.out,
      ...(config.bus.lalapiPorts ? { alsoIn: `tcp://127.0.0.1:${LALAPI_PORTS.in}`, alsoOut: `tcp://127.0.0.1:${LALAPI_PORTS.out}` } : {}),
      ...(curve ? { curve } : {}),
      maxMessageSize: config.bus.maxMessageSize,
      maxSubscriptionBytes: config.router.maxSubscriptionBytes,
      subscriberQueue: config.router.subscriberQueue,
      publisherQueue: config.router.publisherQueue,
      tapQueue: config.router.journalQueue,
      onSubscriptions,
      onEvent: (side, event) => {
        if (closing) return;
        stats.countEvent(side, event);
        if (!event.type.startsWith("handshake:error")) return;
        if ("address" in event && needsCurve(event.address)) {
          log.once(
            "warn",
            `refused-curve:${event.address}`,
            `refused a connection on ${event.address}: no CURVE key, or not this router's key (said once per endpoint; ROUTER: stats counts refused.auth)`,
            { side, event: event.type },
          );
        } else
          log.once("warn", `refused:${side}`, "refused a connection that does not speak ZMTP (said once)", { side, event: event.type });
      },
      onBatch: (frames, messages, bytes) => {
        stats.countBatch(messages, bytes);
        if (!journal) return;
        const journaled = journaledOnly(frames, messages);
        stats.countSkippedSimPresses(journaled.skipped);
        if (journaled.messages > 0) journal.append(journaled.frames, journaled.messages, clock.now());
      },
      onTapEnd: (error) => {
        if (!closing) deps.fail(new Error("the journal tap closed unexpectedly", { cause: error }));
      },
    });
    forwarder.done.then(
      () => {
        if (!closing) deps.fail(new Error("the forwarding proxy ended unexpectedly"));
      },
      (error: unknown) => deps.fail(new Error("the forwarding proxy failed", { cause: error })),
    );

    const bus = new BusClient({
      in: forwarder.internal.in,
      out: forwarder.internal.out,
      context: forwarder.context,
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
    // The last message of a clean stop; subscribing makes the router's own publisher send it.
    const stoppingEcho = bus.subscribe(STOPPING_PREFIX);
    const deaths = bus.subscribe(Topic.DEATH);
    void (async () => {
      for await (const message of deaths) if (message.topic === Topic.DEATH) acceptStop("DEATH");
    })();
    const heartbeat = startHeartbeat({
      bus,
      service: "router",
      intervalS: config.bus.heartbeatIntervalS,
      clock,
      problem,
      onError: (error) => log.once("warn", "heartbeat", "cannot publish the heartbeat", { error }),
    });

    /**
     * Publishes `ROUTER: stopping` through the router and waits until the journal's tap has read
     * it: whatever was forwarded before it — everything a subscriber already has — is then in
     * the journal too.
     */
    const journalEverythingForwarded = async (): Promise<void> => {
      const text = subjectMessage(Topic.ROUTER, "stopping", { pid: process.pid, at: clock.now() });
      const seen = forwarder.tapSees(Buffer.from(text), 1000);
      await bus.publish(text).catch(() => undefined);
      if (!(await seen)) log.warn("the journal may miss the last messages: its reader did not catch up before the stop");
    };

    return {
      forwarder,
      bus,
      heartbeat,
      async close() {
        await journalEverythingForwarded();
        closing = true;
        heartbeat.stop();
        control.stop();
        stoppingEcho.close();
        deaths.close();
        await bus.close();
        await forwarder.close();
        stats.allCut();
      },
    };
  };

  return {
    get endpoints() {
      if (!forwarding) throw new Error("the router has not started");
      return forwarding.forwarder.endpoints;
    },

    report,

    async start() {
      for (const dir of await removeStaleTapDirs(tmpdir())) log.info("removed the tap directory of a router that is gone", { dir });
      if (config.router.journal.enabled) {
        const { journal: options } = config.router;
        journal = await JournalWriter.open({
          dir: deps.journalDir,
          segmentBytes: options.segmentBytes,
          maxBytes: options.maxBytes,
          maxAgeMs: options.maxAgeDays * DAY_MS,
          protectedTopics: options.protectedTopics,
          protectedTopicBytes: options.protectedTopicBytes,
          flushIntervalMs: options.flushIntervalMs,
          clock,
          log: log.child("journal"),
        });
      }
      forwarding = await openForwarding();
      statsTimer = clock.setInterval(publishStats, config.router.statsIntervalS * 1000);
      allowList?.follow(({ revoked, added }) => {
        log.info("the allow-list changed", { revoked, added, keys: allowList?.size });
        // A revoked key's open connections go: every CURVE client reconnects, and it is refused.
        if (revoked.length > 0) restartForwarding();
      });

      log.info("listening", {
        in: forwarding.forwarder.endpoints.in,
        out: forwarding.forwarder.endpoints.out,
        journal: journal ? deps.journalDir : "off",
        acceptDeath: config.router.acceptDeath,
        ...(config.bus.lalapiPorts ? { lalapiPorts: `tcp://127.0.0.1:${LALAPI_PORTS.in} and :${LALAPI_PORTS.out}, plain` } : {}),
        ...(forwarding.forwarder.curve.in || forwarding.forwarder.curve.out
          ? { curve: { in: forwarding.forwarder.curve.in, out: forwarding.forwarder.curve.out, allowed: allowList?.size ?? 0 } }
          : {}),
      });
    },

    async stop() {
      stopping = true;
      allowList?.close();
      if (statsTimer) clock.clearInterval(statsTimer);
      await restarting;
      await forwarding?.close();
      log.info("final stats", { ...report() });
      await journal?.close();
    },
  };
}
