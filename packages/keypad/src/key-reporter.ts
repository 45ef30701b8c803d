import { keyMessage } from "@roomguard/bus";
import type { Clock, TimerHandle } from "@roomguard/runtime";

export interface KeyReporterOptions {
  clock: Clock;
  /** `KEY: <NAME> HOLD` once after this many ms held; 0: never. */
  holdMs: number;
  /** Re-send `KEY: <NAME>` every this many ms while held past `holdMs`; 0: never. */
  repeatMs: number;
  publish: (text: string) => void;
}

/**
 * Turns key presses and releases (already debounced) into bus messages: `KEY: <NAME>` on the
 * press, `KEY: <NAME> HOLD` once when held, and optional auto-repeat after that.
 */
export class KeyReporter {
  /** Keys down, with their hold (then repeat) timer; null when there is none. */
  private readonly held = new Map<string, TimerHandle | null>();
  /** Messages published, for STATUS. */
  presses = 0;
  lastKey: string | null = null;

  constructor(private readonly options: KeyReporterOptions) {}

  pressed(name: string): void {
    if (this.held.has(name)) return;
    this.send(keyMessage(name));
    this.presses++;
    this.lastKey = name;
    const { clock, holdMs, repeatMs } = this.options;
    if (holdMs <= 0) {
      this.held.set(name, null);
      return;
    }
    this.held.set(
      name,
      clock.setTimeout(() => {
        this.send(keyMessage(name, { hold: true }));
        if (repeatMs > 0)
          this.held.set(
            name,
            clock.setInterval(() => this.send(keyMessage(name)), repeatMs),
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

  private send(text: string): void {
    this.options.publish(text);
  }
}
