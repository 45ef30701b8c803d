import type { MusicAction } from "./keymap.js";

/** Keys waiting for MPD, at most: a person never gets this far ahead of it. */
export const MAX_WAITING_KEYS = 16;

/** A key press waiting for its turn at MPD. */
export interface WaitingKey {
  /** What asked, for the log: `KEY: RIGHT`, `CONTROL: NEXT`. */
  name: string;
  action: MusicAction;
}

/** What became of a key given to {@link KeyQueue.add}. */
export type KeyOutcome = "waiting" | "merged" | "dropped";

/**
 * The keys waiting while MPD does the one before. Anyone on the bus can send keys faster than
 * MPD can act on them (100,000 in a third of a second kept it busy for a minute), so a key that
 * repeats the last one waiting is merged into it — once is enough for most actions, volume steps
 * add up, a volume set outright replaces the change before it, a second play/pause takes back
 * the first — and past {@link MAX_WAITING_KEYS} the new
 * key is dropped. Order is kept: a key after a flood is done right after the flood's last.
 */
export class KeyQueue {
  private readonly waiting: WaitingKey[] = [];
  private mergedCount = 0;
  private droppedCount = 0;

  add(key: WaitingKey): KeyOutcome {
    const last = this.waiting.at(-1);
    const merged = last && merge(last.action, key.action);
    if (merged !== undefined) {
      if (merged === null) this.waiting.pop();
      else this.waiting[this.waiting.length - 1] = { name: key.name, action: merged };
      this.mergedCount += 1;
      return "merged";
    }
    if (this.waiting.length >= MAX_WAITING_KEYS) {
      this.droppedCount += 1;
      return "dropped";
    }
    this.waiting.push(key);
    return "waiting";
  }

  /** The first key waiting, taken out. */
  take(): WaitingKey | undefined {
    return this.waiting.shift();
  }

  /** Forgets every key waiting (MPD went away, an alert sound began); returns how many. */
  clear(): number {
    return this.waiting.splice(0).length;
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Keys merged into one waiting, and keys dropped because too many waited, since the start. */
  get counts(): { merged: number; dropped: number } {
    return { merged: this.mergedCount, dropped: this.droppedCount };
  }
}

/** The one action doing `first` then `then` (null: nothing at all), or undefined when they do not merge. */
function merge(first: MusicAction, then: MusicAction): MusicAction | null | undefined {
  if (first.kind === "volume" && then.kind === "volume") {
    return { kind: "volume", change: Math.max(-100, Math.min(100, first.change + then.change)) };
  }
  // A volume set outright makes any volume change before it moot; a step after it lands on a known volume.
  if ((first.kind === "volume" || first.kind === "set-volume") && then.kind === "set-volume") return then;
  if (first.kind === "set-volume" && then.kind === "volume") {
    return { kind: "set-volume", volume: Math.max(0, Math.min(100, first.volume + then.change)) };
  }
  if (first.kind !== then.kind) return undefined;
  if (first.kind === "toggle") return null;
  if (first.kind === "playlist" && then.kind === "playlist" && first.number !== then.number) return undefined;
  return first;
}
