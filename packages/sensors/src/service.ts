import type { RoomguardConfig } from "@roomguard/config";
import type { Hal } from "@roomguard/hal";
import { systemClock, type Clock, type Logger } from "@roomguard/runtime";
import type { SensorCatalog } from "./catalog.js";
import { prepareEntries } from "./entries.js";
import { SensorRunner, type Fault, type SensorOutput } from "./runner.js";

export interface SensorsDeps {
  config: Pick<RoomguardConfig, "sensors" | "hardware">;
  catalog: SensorCatalog;
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
}

/** The sensor reader: every configured sensor in its own fault boundary. */
export function createSensorsService(deps: SensorsDeps): SensorsService {
  const { out, log } = deps;
  const clock = deps.clock ?? systemClock;
  const prepared = prepareEntries(deps.config.sensors, deps.catalog);
  const runners = new Map<string, SensorRunner>();
  const refused = new Map<string, Fault>();

  return {
    start() {
      for (const entry of prepared) {
        if (!entry.ok) {
          // A config problem: reported, not retried; the other sensors run.
          const fault = { code: entry.code, error: entry.error, failures: 1 };
          refused.set(entry.code === "DUPLICATE" ? `${entry.id} (duplicate)` : entry.id, fault);
          log.error(entry.error, { sensor: entry.id, code: entry.code });
          out.fault(entry.id, fault);
          continue;
        }
        const runner = new SensorRunner({ ...entry, hal: deps.hal, i2cBus: deps.config.hardware.i2cBus, clock, log, out });
        runners.set(entry.id, runner);
        runner.start();
      }
      log.info("sensors started", { sensors: prepared.map((entry) => entry.id), refused: [...refused.keys()] });
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
      for (const [key, fault] of refused) out.fault(key.replace(/ \(duplicate\)$/, ""), fault);
      return count + refused.size;
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
      for (const [id, fault] of refused) sensors[id] = { state: "refused", fault };
      return { backend: deps.hal.backend, installed: deps.catalog.describe(), sensors };
    },
  };
}
