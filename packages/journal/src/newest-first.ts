import { BLOCK_HEADER_BYTES, BlockKind } from "./format.js";
import { gapRecord, isWhollyBefore, report, type JournalRecord, type ReadProblem } from "./reader.js";
import { listSegments, readBlocks, type Block, type SegmentFile } from "./segments.js";
import { decodeMessages } from "./zmtp-frames.js";

export interface NewestFirstOptions {
  /** Only records before this sequence number (a gap marker: one that starts before it). */
  beforeSeq?: number;
  /** Only records journaled at or after this time (ms since the epoch); older segments are not opened. */
  sinceMs?: number;
  /** Only records journaled at or before this time (ms since the epoch). */
  untilMs?: number;
  /** Called for each segment that cannot be read (it is skipped); without it, reading throws. */
  onProblem?: (problem: ReadProblem) => void;
  /**
   * Asked between blocks, where reading can stop without losing or repeating a record on the next
   * read; true ends the read there. `progress.beforeSeq` is then where to go on from (as `beforeSeq`).
   */
  stopWhen?: (progress: ReadBackProgress) => boolean;
}

/** How far a newest-first read has come. */
export interface ReadBackProgress {
  /** Bytes of blocks read from disk so far (headers and payloads, filtered ones too). */
  bytes: number;
  /** Every record from this sequence number on has been yielded or filtered out; none before it yet (Infinity before the first). */
  beforeSeq: number;
}

/** A block of messages or a gap marker, read back; `dropped` when the time filter takes all its records (its payload is then not kept). */
interface BackBlock {
  block: Block;
  dropped: boolean;
}

interface Head {
  blocks: AsyncGenerator<BackBlock>;
  current: BackBlock;
}

/**
 * Every record of the journal directory newest first — the reverse of readJournal's order, its
 * own segments and the kept lanes merged, each record once — reading each lane from its newest
 * segment back. A segment is read forward into memory (at most about router.journal.segmentBytes)
 * and its blocks taken in reverse, so a reader that stops after the newest hundred reads one
 * segment per lane. Throws when the directory cannot be listed; a missing one holds nothing.
 *
 * Positions: a gap marker at sequence number s comes after the message s in this order (before it
 * in readJournal's), so records are ordered by `2s + 1` for a message and `2s` for a gap.
 */
export async function* readJournalNewestFirst(dir: string, options: NewestFirstOptions = {}): AsyncGenerator<JournalRecord> {
  const byLane = new Map<string | null, SegmentFile[]>();
  for (const segment of await listSegments(dir)) {
    const lane = byLane.get(segment.lane);
    if (lane) lane.push(segment);
    else byLane.set(segment.lane, [segment]);
  }
  const progress: ReadBackProgress = { bytes: 0, beforeSeq: options.beforeSeq ?? Infinity };
  const heads: Head[] = [];
  try {
    for (const segments of byLane.values()) {
      const blocks = laneBlocksBack(segments, options, progress);
      const first = await blocks.next();
      if (!first.done) heads.push({ blocks, current: first.value });
    }
    // Positions from here on are done: yielded, filtered out, or (a second copy of one) skipped.
    let done = 2 * progress.beforeSeq;
    while (heads.length > 0) {
      const head = heads.reduce((latest, candidate) => (topOf(candidate.current.block) > topOf(latest.current.block) ? candidate : latest));
      // Clean only when nothing left lies at or above the resume point (a second copy, or the gap
      // marker sharing its number with the message just yielded, must be taken first).
      const resumeSeq = Math.floor(done / 2);
      if (options.stopWhen && topOf(head.current.block) < 2 * resumeSeq) {
        progress.beforeSeq = resumeSeq;
        if (options.stopWhen({ ...progress })) return;
      }
      const { block, dropped } = head.current;
      if (dropped) done = Math.min(done, bottomOf(block));
      else if (block.kind === BlockKind.missing) {
        if (2 * block.firstSeq < done) {
          done = 2 * block.firstSeq;
          yield gapRecord(block);
        }
      } else {
        const messages = decodeMessages(block.payload);
        for (let i = messages.length - 1; i >= 0; i--) {
          const seq = block.firstSeq + i;
          if (2 * seq + 1 >= done) continue;
          done = 2 * seq + 1;
          yield { seq, timeMs: block.timeMs, frames: messages[i] as Buffer[] };
        }
        done = Math.min(done, bottomOf(block));
      }
      const next = await head.blocks.next();
      if (next.done) heads.splice(heads.indexOf(head), 1);
      else head.current = next.value;
    }
  } finally {
    // A reader that stops early: the lanes' files are closed now, not when collected.
    await Promise.all(heads.map((head) => head.blocks.return(undefined)));
  }
}

const EMPTY = Buffer.alloc(0);

/** The highest position of a block's records (see readJournalNewestFirst): the merge takes the highest first. */
function topOf(block: Block): number {
  return block.kind === BlockKind.messages ? 2 * (block.firstSeq + block.count - 1) + 1 : 2 * block.firstSeq;
}

/** The lowest position of a block's records. */
function bottomOf(block: Block): number {
  return block.kind === BlockKind.messages ? 2 * block.firstSeq + 1 : 2 * block.firstSeq;
}

/**
 * The blocks of one lane newest first: its segments from the newest back, each read forward and
 * reversed. Segments wholly at or after beforeSeq, or (closed ones) wholly before sinceMs, are not opened.
 */
async function* laneBlocksBack(
  segments: SegmentFile[],
  options: NewestFirstOptions,
  progress: ReadBackProgress,
): AsyncGenerator<BackBlock> {
  const { beforeSeq, sinceMs, untilMs } = options;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] as SegmentFile;
    if (beforeSeq !== undefined && segment.firstSeq >= beforeSeq) continue;
    if (sinceMs !== undefined && i < segments.length - 1 && (await isWhollyBefore(segment, sinceMs))) continue;
    const batch: BackBlock[] = [];
    try {
      for await (const block of readBlocks(segment.path)) {
        progress.bytes += BLOCK_HEADER_BYTES + block.payloadBytes;
        // Blocks come in sequence order: the rest of the segment is at or after beforeSeq.
        if (beforeSeq !== undefined && block.firstSeq >= beforeSeq) break;
        // Marks (opened, closed) are no records, and take no place in the order.
        if (topOf(block) < bottomOf(block) || (block.kind !== BlockKind.messages && block.kind !== BlockKind.missing)) continue;
        const inTime = (sinceMs === undefined || block.timeMs >= sinceMs) && (untilMs === undefined || block.timeMs <= untilMs);
        batch.push(inTime ? { block, dropped: false } : { block: { ...block, payload: EMPTY }, dropped: true });
      }
    } catch (error) {
      report(segment, error, options);
    }
    for (let j = batch.length - 1; j >= 0; j--) yield batch[j] as BackBlock;
  }
}
