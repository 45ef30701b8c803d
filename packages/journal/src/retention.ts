import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { Clock, Logger } from "@roomguard/runtime";
import { journalBudgets, type BudgetOptions, type JournalBudgets } from "./budgets.js";
import { EvictionReport, type EvictionReason } from "./eviction-report.js";
import { GAPS_LANE, KEPT_DIR } from "./format.js";
import { sortForKeeping } from "./keep.js";
import { Lane } from "./lane.js";
import { isLaneName, summarize } from "./segments.js";

export interface RetentionOptions extends BudgetOptions {
  dir: string;
  /** Segments whose newest message is older are deleted; 0: no age limit. */
  maxAgeMs: number;
  clock: Clock;
  log?: Logger | undefined;
}

/** How often the age limit is checked. */
const AGE_CHECK_MS = 60_000;

/**
 * The journal's lanes on disk — its own segments, and the kept lanes of protected topics and
 * gap markers — and what is deleted from them: the oldest first, for room (protected messages
 * moved to their lanes first) and for age.
 */
export class Retention {
  /** Messages of protected topics moved to their lanes instead of being deleted. */
  keptMessages = 0;
  private lastAgeCheckMs = -Infinity;
  private readonly evictions: EvictionReport;
  private readonly protectedTopics: ReadonlySet<string>;

  private constructor(
    private readonly options: RetentionOptions,
    private readonly budgets: JournalBudgets,
    /** The journal's own segments: every message, in order. */
    readonly own: Lane,
    private readonly kept: Map<string, Lane>,
  ) {
    this.evictions = new EvictionReport(options.clock, options.log);
    this.protectedTopics = new Set(options.protectedTopics ?? []);
  }

  /** Reads the lanes the directory holds (creating it when missing). Throws when it cannot be read. */
  static async load(options: RetentionOptions): Promise<Retention> {
    const budgets = journalBudgets(options);
    await mkdir(options.dir, { recursive: true });
    const own = await Lane.load({ dir: options.dir, lane: null, segmentBytes: options.segmentBytes, budgetBytes: budgets.ownBytes });
    const retention = new Retention(options, budgets, own, new Map());
    for (const name of await readdir(path.join(options.dir, KEPT_DIR)).catch(() => [])) {
      if (isLaneName(name)) retention.kept.set(name, await retention.loadKept(name));
    }
    return retention;
  }

  private get lanes(): Lane[] {
    return [this.own, ...this.kept.values()];
  }

  /** The sequence number after everything on disk. */
  get nextSeq(): number {
    return Math.max(...this.lanes.map((lane) => lane.nextSeq));
  }

  get segments(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.segmentCount, 0);
  }

  get bytes(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.bytes, 0);
  }

  /** Messages deleted so far, by reason. */
  get evicted(): Record<EvictionReason, number> {
    return this.evictions.totals();
  }

  /**
   * Deletes the oldest segments of the journal's own lane while it is over its share, each
   * after moving its protected messages and gap markers to their lanes (which delete their own
   * oldest when full).
   */
  async makeRoom(): Promise<void> {
    const own = this.own;
    while (own.overBudget(own.room)) {
      const oldest = own.oldest;
      if (!oldest) return;
      const sorted = await sortForKeeping(oldest.path, this.protectedTopics, (name) => this.kept.get(name)?.nextSeq ?? 0);
      for (const [name, blocks] of sorted.lanes) {
        const lane = this.kept.get(name) ?? (await this.loadKept(name));
        this.kept.set(name, lane);
        await lane.appendAll(blocks, async () => {
          while (lane.overBudget(lane.room)) await this.evict(lane, "size");
        });
      }
      await own.dropOldest();
      this.keptMessages += sorted.kept;
      this.evictions.note("size", null, sorted.messages - sorted.kept, oldest.bytes, sorted.kept);
    }
  }

  /** Deletes, in every lane, the segments whose newest message is older than maxAgeMs (checked once a minute). */
  async enforceAge(): Promise<void> {
    const now = this.options.clock.now();
    if (this.options.maxAgeMs <= 0 || now - this.lastAgeCheckMs < AGE_CHECK_MS) return;
    this.lastAgeCheckMs = now;
    const cutoffMs = now - this.options.maxAgeMs;
    for (const lane of this.lanes) {
      // A kept lane may not be written for months: its open segment ages too.
      if (lane.newestMs < cutoffMs) await lane.close();
      while (lane.oldest && lane.oldest.newestMs < cutoffMs) await this.evict(lane, "age");
    }
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) await lane.close().catch(() => undefined);
  }

  private async evict(lane: Lane, reason: EvictionReason): Promise<void> {
    const oldest = lane.oldest;
    if (!oldest) return;
    // Only reading a segment tells how many messages it holds (gap markers take sequence
    // numbers too); the gaps lane holds none, so its segments are not read.
    const messages = lane.name === GAPS_LANE ? 0 : (await summarize(oldest.path).catch(() => ({ messages: 0 }))).messages;
    await lane.dropOldest();
    this.evictions.note(reason, lane.name, messages, oldest.bytes, 0);
  }

  private loadKept(name: string): Promise<Lane> {
    const budgetBytes = name === GAPS_LANE ? this.budgets.gapsBytes : this.budgets.topicBytes;
    return Lane.load({ dir: this.options.dir, lane: name, segmentBytes: this.budgets.keptSegmentBytes(budgetBytes), budgetBytes });
  }
}
