import { systemClock, type Clock } from "@roomguard/runtime";
import { heartbeatMessage } from "./topics.js";

export interface HeartbeatOptions {
  /**
   * Where to publish: anything with the client's `publish`. With `wants` and `onWantedChange`
   * (a {@link BusClient}), the first beat waits, up to an interval, until somebody subscribes to
   * it: one sent before is lost, and the launcher would hear of the service only an interval later.
   */
  bus: { publish(text: string): Promise<void>; wants?(text: string): boolean; onWantedChange?(listener: () => void): () => void };
  /** The service name in `HEARTBEAT: <service> {…}`. */
  service: string;
  /** Seconds between heartbeats (config `bus.heartbeatIntervalS`). */
  intervalS: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Extra fields for the payload, read at every beat. */
  extra?: () => Record<string, unknown>;
  /** What is wrong, for the payload's `problem` (what `roomguard status` shows), read at every beat; undefined: nothing. */
  problem?: () => string | undefined;
  /** Process id in the payload. Default `process.pid`. */
  pid?: number;
  /** Called when a beat cannot be published (it is not retried; the next one comes anyway). */
  onError?: (error: unknown) => void;
}

/**
 * Publishes `HEARTBEAT: <service> {"pid":…,"uptime_s":…}` now (once the router answers) and then every
 * `intervalS` seconds, until `stop()`. The launcher uses the pid to adopt services.
 *
 * `beat()` publishes one more at once, for news that should not wait an interval. Before the
 * first beat it does nothing (the first one carries the news anyway), nor after `stop()`.
 * `problemMayHaveChanged()` does so only when `problem()` differs from the last one sent: call
 * it on every event that can solve or cause one, so status is right at once.
 */
export function startHeartbeat(options: HeartbeatOptions): { stop(): void; beat(): void; problemMayHaveChanged(): void } {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  let problemSent: string | undefined;
  const beat = (): void => {
    const uptime = Math.round((clock.now() - startedAt) / 100) / 10;
    problemSent = options.problem?.();
    const payload = {
      pid: options.pid ?? process.pid,
      uptime_s: uptime,
      ...options.extra?.(),
      ...(problemSent === undefined ? {} : { problem: problemSent }),
    };
    options.bus.publish(heartbeatMessage(options.service, payload)).catch((error: unknown) => options.onError?.(error));
  };
  const { bus } = options;
  // Set while the first beat waits for a subscriber: stops listening for one.
  let waiting: (() => void) | undefined;
  let stopped = false;
  const endWait = (): void => {
    waiting?.();
    waiting = undefined;
  };
  const sample = heartbeatMessage(options.service, { pid: 0, uptime_s: 0 });
  const wanted = (): boolean => bus.wants?.(sample) ?? true;
  if (bus.onWantedChange && !wanted()) {
    waiting = bus.onWantedChange(() => {
      if (!wanted()) return;
      endWait();
      beat();
    });
  } else beat();
  // Nobody listening within an interval: the regular beats start anyway.
  const timer = clock.setInterval(() => (endWait(), beat()), options.intervalS * 1000);
  const beatNow = (): void => {
    if (waiting === undefined && !stopped) beat();
  };
  return {
    stop: () => {
      stopped = true;
      endWait();
      clock.clearInterval(timer);
    },
    beat: beatNow,
    problemMayHaveChanged: () => {
      if (options.problem?.() !== problemSent) beatNow();
    },
  };
}
