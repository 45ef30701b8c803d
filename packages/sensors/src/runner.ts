import type { Hal } from "@roomguard/hal";
import { isSimHal } from "@roomguard/hal/sim";
import { backoffDelay, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { SensorError, type BinaryEvent, type Reading, type Sensor, type SensorDefinition } from "@roomguard/sensor-kit";

/** Where a sensor's output goes (the bus, in the service). */
export interface SensorOutput {
  reading(id: string, reading: Reading): void;
  event(id: string, event: BinaryEvent): void;
  fault(id: string, fault: Fault): void;
}

export interface Fault {
  code: string;
  error: string;
  /** Seconds until the next try; absent when the sensor will not be retried (a config problem). */
  retry_in_s?: number;
  failures: number;
}

export interface RunnerOptions {
  id: string;
  definition: SensorDefinition;
  options: unknown;
  intervalS: number | undefined;
  hal: Hal;
  i2cBus: number;
  clock: Clock;
  log: Logger;
  out: SensorOutput;
}

/** Backoff between retries of a failed sensor, in seconds: 1 s, doubling, at most a minute. */
const RETRY_S: Backoff = { first: 1, max: 60 };
const READING_KEY = /^[a-z][a-z0-9_]*$/;

/**
 * One sensor inside a fault boundary: a failure to start or to read is reported
 * (`SENSOR: <id> fault {…}`), the sensor is stopped and started again with backoff, and nothing
 * it throws reaches the other sensors.
 */
export class SensorRunner {
  state: "starting" | "running" | "faulted" | "stopped" = "starting";
  failures = 0;
  lastReading: Reading | undefined;
  lastEvent: BinaryEvent | undefined;
  lastFault: Fault | undefined;
  private readonly sensor: Sensor;
  private timer: TimerHandle | undefined;
  /** Bumped on every (re)start and stop, so a late callback of an old run does nothing. */
  private generation = 0;

  constructor(private readonly options: RunnerOptions) {
    const { id, hal, clock, log, out, i2cBus } = options;
    if (isSimHal(hal))
      options.definition.simulate?.(options.options as Parameters<SensorDefinition["create"]>[0], {
        i2cBus: hal.i2cBus(i2cBus),
        gpio: hal.gpio,
      });
    // prepareEntries checked the options against this very definition's schema.
    this.sensor = options.definition.create(options.options as Parameters<SensorDefinition["create"]>[0], {
      id,
      hal,
      clock,
      log: log.child(id),
      openI2c: () => hal.openI2c(i2cBus),
      event: (event) => {
        if (this.state === "stopped") return;
        this.lastEvent = event;
        out.event(id, event);
      },
      reading: (reading) => {
        try {
          this.publishReading(reading);
        } catch (error) {
          void this.failed(this.generation, "read", error);
        }
      },
    });
  }

  start(): void {
    void this.run(++this.generation);
  }

  async stop(): Promise<void> {
    this.generation++;
    this.state = "stopped";
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    await this.safeStop();
  }

  private async run(generation: number): Promise<void> {
    this.state = "starting";
    try {
      await this.sensor.start();
    } catch (error) {
      return this.failed(generation, "start", error);
    }
    if (generation !== this.generation) return;
    this.state = "running";
    if (this.failures > 0) this.options.log.info(`sensor ${this.options.id} recovered`, { failures: this.failures });
    this.failures = 0;
    if (this.sensor.read) await this.readNow(generation);
  }

  private async readNow(generation: number): Promise<void> {
    if (generation !== this.generation || !this.sensor.read) return;
    try {
      this.publishReading(await this.sensor.read());
    } catch (error) {
      return this.failed(generation, "read", error);
    }
    if (generation !== this.generation) return;
    const intervalS = this.options.intervalS ?? this.options.definition.defaultIntervalS ?? 10;
    this.timer = this.options.clock.setTimeout(() => void this.readNow(generation), intervalS * 1000);
  }

  private publishReading(reading: Reading): void {
    if (this.state === "stopped") return;
    for (const [key, value] of Object.entries(reading)) {
      if (!READING_KEY.test(key) || typeof value !== "number" || !Number.isFinite(value)) {
        throw new SensorError("BAD_READING", `bad reading ${key} = ${String(value)}: expected a finite number under a lower_case key`);
      }
    }
    this.lastReading = reading;
    this.options.out.reading(this.options.id, reading);
  }

  private async failed(generation: number, during: "start" | "read", error: unknown): Promise<void> {
    if (generation !== this.generation) return;
    this.state = "faulted";
    this.failures++;
    const retryS = backoffDelay(this.failures, RETRY_S);
    const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "ERROR";
    const message = error instanceof Error ? error.message : String(error);
    this.lastFault = { code, error: message, retry_in_s: retryS, failures: this.failures };
    this.options.log.once("error", `fault:${this.options.id}:${code}`, `sensor ${this.options.id} failed to ${during}: ${message}`, {
      code,
      retry_in_s: retryS,
    });
    this.options.out.fault(this.options.id, this.lastFault);
    await this.safeStop();
    if (generation !== this.generation) return;
    this.timer = this.options.clock.setTimeout(() => {
      if (generation === this.generation) void this.run(++this.generation);
    }, retryS * 1000);
  }

  /** The sensor's own stop, which must not throw; if it does, that is logged, not spread. */
  private async safeStop(): Promise<void> {
    try {
      await this.sensor.stop();
    } catch (error) {
      this.options.log.warn(`sensor ${this.options.id} failed to stop cleanly`, { error });
    }
  }
}
