import type { DigitalInput, DigitalOutput, Hal } from "@roomguard/hal";
import type { Clock, Logger, TimerHandle } from "@roomguard/runtime";
import { ambiguousKeys, cellKey } from "./ghosting.js";
import type { KeyEvents } from "./key-events.js";

export interface MatrixOptions {
  hal: Hal;
  rows: readonly number[];
  columns: readonly number[];
  /** Key names by row, then column. */
  keys: readonly (readonly string[])[];
  scanIntervalMs: number;
  debounceMs: number;
  clock: Clock;
  events: KeyEvents;
  log: Logger;
}

/**
 * Scans a rows x columns keypad: each row in turn is pulled low (open-drain, so two pressed
 * keys never join two driven rows) and the columns, with pull-ups, read which keys connect
 * it. While no key is down all rows are held low and only the columns are read. A key's new state counts once it has read the same for `debounceMs`. Readings that a
 * diode-less matrix cannot tell apart (ghosting) are refused, never reported as keys.
 */
export class MatrixScanner {
  private readonly rowPins: DigitalOutput[] = [];
  private readonly columnPins: DigitalInput[] = [];
  private readonly committed: boolean[][];
  /** Per key: the reading that differs from the committed state, and since when. */
  private readonly changing = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private ghosted = false;
  private idle = false;
  /** For STATUS. */
  scans = 0;
  refusedGhosting = 0;

  constructor(private readonly options: MatrixOptions) {
    this.committed = options.rows.map(() => options.columns.map(() => false));
  }

  start(): void {
    const { hal, rows, columns, clock, scanIntervalMs } = this.options;
    try {
      for (const pin of rows) this.rowPins.push(hal.openOutput(pin, { drive: "open-drain", initial: 1 }));
      for (const pin of columns) this.columnPins.push(hal.openInput(pin, { pull: "up" }));
    } catch (error) {
      this.stop();
      throw error;
    }
    this.holdAllRows(true);
    this.timer = clock.setInterval(() => this.scan(), scanIntervalMs);
  }

  /** Reads the whole matrix once: `pressed[row][column]`. */
  read(): boolean[][] {
    return this.rowPins.map((row) => {
      row.write(0);
      const line = this.columnPins.map((column) => column.read() === 0);
      row.write(1);
      return line;
    });
  }

  scan(): void {
    this.scans++;
    // Idle, every row is held low, so one read of the columns tells whether any key is down:
    // the usual scan costs a read per column and no row switching.
    if (this.idle) {
      if (this.columnPins.every((column) => column.read() === 1)) return;
      this.holdAllRows(false);
    }
    const now = this.options.clock.now();
    const reading = this.read();
    const ambiguous = ambiguousKeys(reading);
    if (ambiguous.size > 0 && !this.ghosted) {
      this.refusedGhosting++;
      const byPosition = (a: string, b: string): number => a.localeCompare(b, "en", { numeric: true });
      // Digits held together may be part of an alarm code being typed: counted, never named.
      const held = [...ambiguous].sort(byPosition).map((key) => this.name(key));
      const digits = held.filter((name) => /^\d$/.test(name)).length;
      const names = [
        ...held.filter((name) => !/^\d$/.test(name)),
        ...(digits > 0 ? [`${digits} digit${digits === 1 ? "" : "s"}`] : []),
      ].join(" ");
      this.options.log.warn("keys held together that this keypad cannot tell apart (ghosting): ignoring them until released", {
        keys: names,
      });
    }
    this.ghosted = ambiguous.size > 0;
    reading.forEach((line, r) =>
      line.forEach((isPressed, c) => {
        const key = cellKey([r, c]);
        const state = this.committed[r] as boolean[];
        if (ambiguous.has(key) || isPressed === state[c]) {
          this.changing.delete(key);
          return;
        }
        const since = this.changing.get(key);
        if (since === undefined) this.changing.set(key, now);
        if (now - (since ?? now) < this.options.debounceMs) return;
        this.changing.delete(key);
        state[c] = isPressed;
        const name = this.options.keys[r]?.[c] ?? key;
        if (isPressed) this.options.events.pressed(name);
        else this.options.events.released(name);
      }),
    );
    const quiet = this.changing.size === 0 && !this.ghosted && this.committed.every((line) => line.every((isDown) => !isDown));
    if (quiet) this.holdAllRows(true);
  }

  /** Drives every row low (idle watch) or releases them all (for a row-by-row scan). */
  private holdAllRows(low: boolean): void {
    for (const row of this.rowPins) row.write(low ? 0 : 1);
    this.idle = low;
  }

  stop(): void {
    if (this.timer) this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const pin of [...this.rowPins, ...this.columnPins]) pin.close();
    this.rowPins.length = 0;
    this.columnPins.length = 0;
  }

  private name(key: string): string {
    const [r, c] = key.split(",").map(Number);
    return this.options.keys[r ?? -1]?.[c ?? -1] ?? key;
  }
}
