import type { Clock, TimerHandle } from "@roomguard/runtime";
import type { Edge, Level } from "./types.js";

/**
 * Turns raw edges into debounced level changes: after an edge, wait until the line has been
 * quiet for `debounceMs`, sample it, and report the level if it differs from the last one
 * reported and the edge setting asks for it. This is onoff's rule (a trailing debounce),
 * so every backend debounces alike.
 */
export class Debouncer {
  private timer: TimerHandle | undefined;
  private reported: Level;

  constructor(
    private readonly clock: Clock,
    private readonly debounceMs: number,
    private readonly edge: Edge,
    private readonly sample: () => Level,
    private readonly report: (level: Level) => void,
  ) {
    this.reported = sample();
  }

  /** Call on every raw edge. */
  edgeSeen(): void {
    if (this.debounceMs <= 0) return this.settle();
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.settle();
    }, this.debounceMs);
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    const level = this.sample();
    if (level === this.reported) return;
    this.reported = level;
    if (edgeWanted(this.edge, level)) this.report(level);
  }
}

/** Whether a change to `level` is one the edge setting reports. */
export function edgeWanted(edge: Edge, level: Level): boolean {
  return edge === "both" || (edge === "rising") === (level === 1);
}
