/** Bytes each protected topic keeps when not configured. */
const DEFAULT_PROTECTED_TOPIC_BYTES = 2 * 1024 * 1024;
/** The part of maxBytes kept for gap markers (1/64: 1 MiB of 64 MiB, thousands of markers). */
const GAPS_SHARE = 64;
const MIN_KEPT_SEGMENT_BYTES = 4096;

/** How the journal's bound is shared between its own segments and the kept lanes. */
export interface JournalBudgets {
  /** The journal's own segments: what maxBytes leaves (at least two segments). */
  ownBytes: number;
  /** Each protected topic's lane. */
  topicBytes: number;
  /** The lane of gap markers. */
  gapsBytes: number;
  /** Segment size of a kept lane with this budget: a quarter of it, so it is deleted a quarter at a time. */
  keptSegmentBytes(budgetBytes: number): number;
}

export interface BudgetOptions {
  maxBytes: number;
  segmentBytes: number;
  protectedTopics?: readonly string[];
  protectedTopicBytes?: number;
}

/**
 * The shares of maxBytes: gap markers 1/64, each protected topic its bytes, the journal's own
 * segments the rest (never less than two segments: see journalBudgetProblem).
 */
export function journalBudgets(options: BudgetOptions): JournalBudgets {
  const topicBytes = options.protectedTopicBytes ?? DEFAULT_PROTECTED_TOPIC_BYTES;
  const gapsBytes = Math.floor(options.maxBytes / GAPS_SHARE);
  return {
    ownBytes: Math.max(2 * options.segmentBytes, ownShare(options)),
    topicBytes,
    gapsBytes,
    keptSegmentBytes: (budgetBytes) => Math.min(options.segmentBytes, Math.max(MIN_KEPT_SEGMENT_BYTES, Math.floor(budgetBytes / 4))),
  };
}

/** What maxBytes leaves for the journal's own segments. */
function ownShare(options: BudgetOptions): number {
  const topicBytes = options.protectedTopicBytes ?? DEFAULT_PROTECTED_TOPIC_BYTES;
  return options.maxBytes - Math.floor(options.maxBytes / GAPS_SHARE) - (options.protectedTopics?.length ?? 0) * topicBytes;
}

/**
 * Why these sizes do not fit together, or undefined: maxBytes must leave the journal's own
 * segments room for two of them beside the protected topics and the gap markers.
 */
export function journalBudgetProblem(options: BudgetOptions): string | undefined {
  const own = ownShare(options);
  if (own >= 2 * options.segmentBytes) return undefined;
  const topics = options.protectedTopics?.length ?? 0;
  const topicBytes = options.protectedTopicBytes ?? DEFAULT_PROTECTED_TOPIC_BYTES;
  return `expected room for two segments (2 × segmentBytes = ${2 * options.segmentBytes} bytes) beside the ${topics} protected topics (${topics} × protectedTopicBytes = ${topics * topicBytes}) and gap markers (maxBytes / ${GAPS_SHARE}), got maxBytes ${options.maxBytes}, which leaves ${own}: raise maxBytes, or lower protectedTopicBytes or the number of protectedTopics`;
}
