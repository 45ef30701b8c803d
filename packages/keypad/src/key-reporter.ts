import type { Clock, TimerHandle } from "@roomguard/runtime";
import type { KeyPress } from "./key-events.js";

export interface KeyReporterOptions {
  clock: Clock;
  /** `KEY: <NAME> HOLD` once after this many ms held; 0: never. */
  holdMs: number;
  /** Re-send `KEY: <NAME>` every this many ms while held past `holdMs`; 0: never. */
  repeatMs: number;
  /** Where each key goes: the bus as `KEY: <NAME>` (`HOLD`), or the code entry first. */
  report: (key: KeyPress) => void;
}

/**
 * Turns key presses and releases (already debounced) into reported keys: the press, a hold
 * once when held, and optional auto-repeat after that.
 */
export class KeyReporter {
  /** Keys down, with their hold (then repeat) timer; null when there is none. */
  private readonly held = new Map<string, TimerHandle | null>();
  /** Presses, for STATUS and the heartbeat. */
  presses = 0;

  constructor(private readonly options: KeyReporterOptions) {}

  pressed(name: string): void {
    if (this.held.has(name)) return;
    this.options.report({ name, hold: false, repeat: false });
    this.presses++;
    const { clock, holdMs, repeatMs } = this.options;
    if (holdMs <= 0) {
      this.held.set(name, null);
      return;
    }
    this.held.set(
      name,
      clock.setTimeout(() => {
        this.options.report({ name, hold: true, repeat: false });
        if (repeatMs > 0)
          this.held.set(
            name,
            clock.setInterval(() => this.options.report({ name, hold: false, repeat: true }), repeatMs),
          );
      }, holdMs),
    );
  }

  released(name: string): void {
    if (!this.held.has(name)) return;
    const timer = this.held.get(name);
    if (timer) {
      // The hold timeout becomes the repeat interval; clearing both kinds is safe.
      this.options.clock.clearTimeout(timer);
      this.options.clock.clearInterval(timer);
    }
    this.held.delete(name);
  }

  /** Keys held now. */
  get down(): string[] {
    return [...this.held.keys()];
  }

  stop(): void {
    for (const name of [...this.held.keys()]) this.released(name);
  }
}
