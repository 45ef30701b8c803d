import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { Hal } from "@roomguard/hal";
import { systemClock, type Clock, type Logger } from "@roomguard/runtime";
import type { SensorCatalog } from "./catalog.js";
import { prepareEntries } from "./entries.js";
import { SensorRunner, type Fault, type SensorOutput } from "./runner.js";

export interface SensorsDeps {
  config: Pick<RoomguardConfig, "sensors" | "hardware">;
  catalog: SensorCatalog;
  /** The hardware plan's issues with the entries' pins (registry's ownIssues, found by the plan). */
  hardwareIssues?: readonly ConfigIssue[];
  hal: Hal;
  out: SensorOutput;
  log: Logger;
  clock?: Clock;
}

export interface SensorsService {
  start(): void;
  stop(): Promise<void>;
  /** Publishes every sensor's latest reading, state and fault again (`CONTROL: sensors STATE`). */
  republish(): number;
  status(): Record<string, unknown>;
  /**
   * What is wrong, for the heartbeat's `problem` (the launcher's status shows it): sensors the
   * config refused and sensors failing in backoff, e.g. `sensors[bathroom] refused: pin: missing
   * (required)`, with a count of the others when there are several. Undefined when all run.
   */
  problem(): string | undefined;
}

/** The sensor reader: every configured sensor in its own fault boundary. */
export function createSensorsService(deps: SensorsDeps): SensorsService {
  const { out, log } = deps;
  const clock = deps.clock ?? systemClock;
  const prepared = prepareEntries(deps.config.sensors, deps.catalog, deps.hardwareIssues);
  const runners = new Map<string, SensorRunner>();
  /** Entries the config check refused; `key` tells a duplicate id from the first of that id. */
  const refused: Array<{ id: string; key: string; fault: Fault; brief: string }> = [];

  return {
    start() {
      for (const entry of prepared) {
        if (!entry.ok) {
          // A config problem: reported, not retried; the other sensors run.
          const fault = { code: entry.code, error: entry.error, failures: 1 };
          const key = entry.code === "DUPLICATE" ? `${entry.id} (duplicate)` : entry.id;
          refused.push({ id: entry.id, key, fault, brief: entry.brief });
          log.error(entry.error, { sensor: entry.id, code: entry.code });
          out.fault(entry.id, fault);
          continue;
        }
        const runner = new SensorRunner({ ...entry, hal: deps.hal, i2cBus: deps.config.hardware.i2cBus, clock, log, out });
        runners.set(entry.id, runner);
        runner.start();
      }
      log.info("sensors started", { sensors: prepared.map((entry) => entry.id), refused: refused.map((entry) => entry.key) });
    },
    async stop() {
      await Promise.all([...runners.values()].map((runner) => runner.stop()));
    },
    republish() {
      let count = 0;
      for (const [id, runner] of runners) {
        if (runner.lastReading) out.reading(id, runner.lastReading);
        if (runner.lastEvent) out.event(id, runner.lastEvent);
        if (runner.state === "faulted" && runner.lastFault) out.fault(id, runner.lastFault);
        count++;
      }
      for (const { id, fault } of refused) out.fault(id, fault);
      return count + refused.length;
    },
    status() {
      const sensors: Record<string, unknown> = {};
      for (const [id, runner] of runners) {
        sensors[id] = {
          state: runner.state,
          failures: runner.failures,
          ...(runner.lastReading ? { reading: runner.lastReading } : {}),
          ...(runner.lastEvent ? { event: runner.lastEvent.state } : {}),
          ...(runner.state === "faulted" ? { fault: runner.lastFault } : {}),
        };
      }
      for (const { key, fault } of refused) sensors[key] = { state: "refused", fault };
      return { backend: deps.hal.backend, installed: deps.catalog.describe(), sensors };
    },
    problem() {
      // A sensor in backoff has failures; a successful start sets them back to 0.
      const failing = [...runners].flatMap(([id, runner]): Array<[string, string]> =>
        runner.failures > 0 && runner.state !== "stopped" && runner.lastFault ? [[id, runner.lastFault.error]] : [],
      );
      const parts = [
        summarise(
          "refused",
          refused.map((entry) => [entry.id, entry.brief]),
        ),
        summarise("failing", failing),
      ];
      return parts.filter((part) => part !== undefined).join("; ") || undefined;
    },
  };
}

/** `sensors[a] refused: <why>`, and `(and 2 more refused: b, c)` after it when there are others. */
function summarise(what: string, sensors: Array<[id: string, why: string]>): string | undefined {
  const [first, ...others] = sensors;
  if (!first) return undefined;
  const more = others.length > 0 ? ` (and ${others.length} more ${what}: ${others.map(([id]) => id).join(", ")})` : "";
  return `sensors[${first[0]}] ${what}: ${first[1]}${more}`;
}
