import { createSimHal, type SimHal } from "@roomguard/hal/sim";
import { createLogger, ManualClock, type Logger } from "@roomguard/runtime";
import { checkOptions, describeIssues } from "../check-options.js";
import type { OptionsSchema, SensorDefinition } from "../define-sensor.js";
import type { BinaryEvent, Reading, Sensor, SensorContext } from "../types.js";

export interface SensorHarness {
  sensor: Sensor;
  /** The simulated board: drive pins, attach I2C chip models. */
  hal: SimHal;
  clock: ManualClock;
  events: BinaryEvent[];
  readings: Reading[];
  /** The sensor's log lines, parsed. */
  logs: Array<Record<string, unknown>>;
  log: Logger;
  /**
   * Awaits a promise of the sensor's while moving the manual clock a millisecond at a time
   * (at most `maxMs`), so sleeps and polls inside it run; rejects if it has not settled by then.
   */
  settle<T>(promise: Promise<T> | undefined, maxMs?: number): Promise<T>;
}

/**
 * Runs a sensor definition as the sensor reader would, on the simulated board with a manual
 * clock, collecting what it publishes. `options` are checked against the sensor's schema.
 */
export function sensorHarness<S extends OptionsSchema>(definition: SensorDefinition<S>, options: unknown, id = "test"): SensorHarness {
  const clock = new ManualClock();
  const hal = createSimHal({ clock });
  const events: BinaryEvent[] = [];
  const readings: Reading[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service: "sensors",
    level: "debug",
    format: "json",
    stream: { write: (text: string) => logs.push(JSON.parse(text) as Record<string, unknown>) },
  });
  const context: SensorContext = {
    id,
    hal,
    clock,
    log,
    openI2c: () => hal.openI2c(1),
    event: (event) => events.push(event),
    reading: (reading) => readings.push(reading),
  };
  // The sensor reader's own check, so a test sees the messages a user would.
  const checked = checkOptions(definition, options);
  if (!checked.ok) throw new Error([describeIssues(checked.issues), checked.takes].filter(Boolean).join("; "));
  const sensor = definition.create(checked.options, context);
  const settle = async <T>(promise: Promise<T> | undefined, maxMs = 1000): Promise<T> => {
    if (!promise) throw new Error("this sensor has no such method");
    let settled = false;
    const watched = promise.finally(() => (settled = true));
    watched.catch(() => undefined);
    for (let ms = 0; ms <= maxMs && !settled; ms++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!settled) clock.advance(1);
    }
    if (!settled) throw new Error(`the sensor's promise did not settle within ${maxMs} ms of its clock`);
    return watched;
  };
  return { sensor, hal, clock, events, readings, logs, log, settle };
}
