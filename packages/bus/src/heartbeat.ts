import { systemClock, type Clock } from "@roomguard/runtime";
import { heartbeatMessage } from "./topics.js";

export interface HeartbeatOptions {
  /** Where to publish: anything with the client's `publish`. */
  bus: { publish(text: string): Promise<void> };
  /** The service name in `HEARTBEAT: <service> {…}`. */
  service: string;
  /** Seconds between heartbeats (config `bus.heartbeatIntervalS`). */
  intervalS: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Extra fields for the payload, read at every beat. */
  extra?: () => Record<string, unknown>;
  /** Process id in the payload. Default `process.pid`. */
  pid?: number;
  /** Called when a beat cannot be published (it is not retried; the next one comes anyway). */
  onError?: (error: unknown) => void;
}

/**
 * Publishes `HEARTBEAT: <service> {"pid":…,"uptime_s":…}` now and then every
 * `intervalS` seconds, until `stop()`. The launcher uses the pid to adopt services.
 */
export function startHeartbeat(options: HeartbeatOptions): { stop(): void } {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const beat = (): void => {
    const uptime = Math.round((clock.now() - startedAt) / 100) / 10;
    const payload = { pid: options.pid ?? process.pid, uptime_s: uptime, ...options.extra?.() };
    options.bus.publish(heartbeatMessage(options.service, payload)).catch((error: unknown) => options.onError?.(error));
  };
  beat();
  const timer = clock.setInterval(beat, options.intervalS * 1000);
  return { stop: () => clock.clearInterval(timer) };
}
