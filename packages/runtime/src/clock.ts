/** An opaque timer handle. */
export type TimerHandle = object;

/**
 * Time as services see it. Production uses {@link systemClock}; tests use
 * {@link ManualClock} so heartbeats and intervals run without waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

interface ManualTimer {
  due: number;
  every: number | null;
  callback: () => void;
}

/** A clock that only moves when told to: `advance(ms)` runs every timer due on the way. */
export class ManualClock implements Clock {
  private time: number;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { due: this.time + ms, every: null, callback };
    this.timers.add(timer);
    return timer;
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const timer = { due: this.time + ms, every: Math.max(1, ms), callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Moves time forward, firing timers in due order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) if (timer.due <= end && (!next || timer.due < next.due)) next = timer;
      if (!next) break;
      this.time = next.due;
      if (next.every === null) this.timers.delete(next);
      else next.due += next.every;
      next.callback();
    }
    this.time = end;
  }
}
