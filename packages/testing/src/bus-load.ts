import type { BusClient } from "@roomguard/bus";

export interface BusLoadOptions {
  /** Where the readings go, and where the changes go (two clients: two senders, as two services). */
  readings: BusClient;
  changes: BusClient;
  /** Readings a second, paced every 5 ms by what is due since the start (a late timer catches up, no more). */
  readingsPerS: number;
  /** The n-th reading's message (0, 1, 2 …). */
  reading(n: number): string;
  /** Milliseconds between two changes. */
  changeEveryMs: number;
  /** The n-th change's message (1, 2, 3 …): what a benchmark times the arrival of. */
  change(n: number): string;
}

/**
 * A benchmark's bus load: sensor readings at a steady rate, and numbered changes (the alarm's)
 * whose send times are kept for the latency to be measured against. One measuring window at a
 * time: startChanges returns the first number it sends, stopChanges the last.
 */
export class BusLoad {
  readonly sentAt = new Map<number, number>();
  publishFailures = 0;
  private sequence = 0;
  private readingsSent = 0;
  private readingsTimer: NodeJS.Timeout | undefined;
  private changeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BusLoadOptions) {}

  startReadings(): void {
    const start = performance.now();
    this.readingsTimer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) * this.options.readingsPerS) / 1000);
      for (; this.readingsSent < due; this.readingsSent++)
        this.options.readings.publish(this.options.reading(this.readingsSent)).catch(() => this.publishFailures++);
    }, 5);
  }

  stopReadings(): void {
    clearInterval(this.readingsTimer);
  }

  readings(): number {
    return this.readingsSent;
  }

  startChanges(): number {
    const first = this.sequence + 1;
    this.changeTimer = setInterval(() => {
      const n = ++this.sequence;
      this.sentAt.set(n, performance.now());
      this.options.changes.publish(this.options.change(n)).catch(() => this.publishFailures++);
    }, this.options.changeEveryMs);
    return first;
  }

  stopChanges(): number {
    clearInterval(this.changeTimer);
    return this.sequence;
  }
}
