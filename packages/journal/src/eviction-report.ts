import type { Clock, Logger } from "@roomguard/runtime";

/** Why segments are deleted: the journal is over its bytes, or they are older than its age limit. */
export type EvictionReason = "size" | "age";

/** One log line a minute at most: a burst deletes a segment every few milliseconds. */
const LOG_INTERVAL_MS = 60_000;

interface Unreported {
  segments: number;
  messages: number;
  bytes: number;
  kept: number;
  lanes: Set<string>;
}

/** Counts what the journal deletes, by reason, and says so in the log. */
export class EvictionReport {
  private readonly counted: Record<EvictionReason, number> = { size: 0, age: 0 };
  private readonly unreported = new Map<EvictionReason, Unreported>();
  private lastLogMs = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger | undefined,
  ) {}

  /** Messages deleted so far, by reason. */
  totals(): Record<EvictionReason, number> {
    return { ...this.counted };
  }

  /**
   * A segment of `lane` (null: the journal's own) was deleted: `messages` gone, `kept` moved
   * to protected lanes first.
   */
  note(reason: EvictionReason, lane: string | null, messages: number, bytes: number, kept: number): void {
    this.counted[reason] += messages;
    const open = this.unreported.get(reason) ?? { segments: 0, messages: 0, bytes: 0, kept: 0, lanes: new Set<string>() };
    open.segments++;
    open.messages += messages;
    open.bytes += bytes;
    open.kept += kept;
    open.lanes.add(lane ?? "all topics");
    this.unreported.set(reason, open);
    const now = this.clock.now();
    if (now - this.lastLogMs < LOG_INTERVAL_MS) return;
    this.lastLogMs = now;
    for (const [why, what] of this.unreported) {
      this.log?.info(
        why === "size"
          ? "deleted the oldest journal segments: the journal reached router.journal.maxBytes (a line a minute at most; ROUTER: stats counts every one)"
          : "deleted journal segments older than router.journal.maxAgeDays (a line a minute at most; ROUTER: stats counts every one)",
        { segments: what.segments, messages: what.messages, bytes: what.bytes, keptMessages: what.kept, lanes: [...what.lanes] },
      );
    }
    this.unreported.clear();
  }
}
