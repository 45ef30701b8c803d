import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { BlockKind, seqAfter } from "./format.js";
import { listLane, listSegments, readBlocks, type Block, type SegmentFile } from "./segments.js";
import { decodeMessages } from "./zmtp-frames.js";

/** One journaled message, or a gap marker where messages are missing. */
export interface JournalRecord {
  /** Position in the journal, counting from the first message ever journaled in this directory. */
  seq: number;
  /** When the router journaled it, in ms since the epoch (for a gap: when the gap was noticed). */
  timeMs: number;
  /** The message's frames (bus messages have one); none for a gap. */
  frames: Buffer[];
  /**
   * Set on a gap marker: `count` sequence numbers from `seq` on have no message (null: an
   * unknown number, after a router that did not stop cleanly), and why.
   */
  missing?: { count: number | null; reason: string };
}

/** A file that could not be read, and why; reading goes on with the others. */
export interface ReadProblem {
  file: string;
  message: string;
}

export interface ReadOptions {
  /** Only messages from this sequence number on (segments wholly before it are not opened). */
  fromSeq?: number;
  /**
   * Only messages journaled at or after this time (ms since the epoch). Segments that hold only
   * older ones are not opened (told by their mtime: see {@link isWhollyBefore}).
   */
  sinceMs?: number;
  /** Called for each segment that cannot be read (it is skipped); without it, reading throws. */
  onProblem?: (problem: ReadProblem) => void;
}

interface Position {
  segment: SegmentFile;
  offset: number;
}

/** Where reading the journal's own segments got to: the newest one opened, past its last block read. */
interface OwnProgress {
  position?: Position;
}

interface Head {
  blocks: AsyncGenerator<Block>;
  block: Block;
}

/**
 * Every record in the journal directory in sequence order: its own segments and the kept
 * lanes of protected topics and gap markers, merged. Throws when the directory cannot be listed.
 */
export function readJournal(dir: string, options: ReadOptions = {}): AsyncGenerator<JournalRecord> {
  return readLanes(dir, options, {});
}

/** readJournal, keeping `own` at where it got to in the journal's own segments (for followJournal). */
async function* readLanes(dir: string, options: ReadOptions, own: OwnProgress): AsyncGenerator<JournalRecord> {
  const byLane = new Map<string | null, SegmentFile[]>();
  for (const segment of await listSegments(dir)) {
    const lane = byLane.get(segment.lane);
    if (lane) lane.push(segment);
    else byLane.set(segment.lane, [segment]);
  }
  const heads: Head[] = [];
  for (const [lane, segments] of byLane) {
    const blocks = laneBlocks(segments, options, lane === null ? own : undefined);
    const first = await blocks.next();
    if (!first.done) heads.push({ blocks, block: first.value });
  }
  const seen = new Progress(options.fromSeq ?? 0);
  try {
    while (heads.length > 0) {
      const head = heads.reduce((earliest, candidate) => (comesBefore(candidate.block, earliest.block) ? candidate : earliest));
      for (const record of blockRecords(head.block, options, seen)) yield record;
      const next = await head.blocks.next();
      if (next.done) heads.splice(heads.indexOf(head), 1);
      else head.block = next.value;
    }
  } finally {
    // A reader that stops early: the lanes' files are closed now, not when collected.
    await Promise.all(heads.map((head) => head.blocks.return(undefined)));
  }
}

/**
 * The records already in the journal, then new ones as the router writes them, until
 * `signal` aborts. Survives rotation: deleted segments are skipped, new ones picked up.
 * (Kept lanes only ever receive old messages, so only the journal's own segments are followed.)
 */
export async function* followJournal(
  dir: string,
  options: ReadOptions & { signal: AbortSignal; pollMs?: number },
): AsyncGenerator<JournalRecord> {
  const pollMs = options.pollMs ?? 200;
  const seen = new Progress(options.fromSeq ?? 0);
  const own: OwnProgress = {};
  for await (const record of readLanes(dir, options, own)) {
    seen.fresh(record);
    yield record;
    if (options.signal.aborted) return;
  }
  // Following goes on where reading stopped, in the newest segment read, without reading it again.
  let position = own.position;
  while (!options.signal.aborted) {
    const segments = await listLane(dir, null);
    if (!position || !segments.some((segment) => segment.name === position?.segment.name)) {
      // Start, or our segment was rotated away: take the segment holding nextSeq (or the oldest after it).
      const segment = segments.filter((candidate) => candidate.firstSeq <= seen.nextSeq).at(-1) ?? segments[0];
      position = segment ? { segment, offset: 0 } : undefined;
    }
    if (position) {
      for await (const record of readSegment(position, options, seen)) {
        yield record;
        if (options.signal.aborted) return;
      }
      const newer = segments.find((segment) => segment.firstSeq > (position as Position).segment.firstSeq);
      // Move on only once the newer segment exists: the writer has finished this one.
      if (newer) {
        position = { segment: newer, offset: 0 };
        continue;
      }
    }
    // Rejects on abort; a listener per poll would pile up on the signal while following for hours.
    await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/** The sequence number after a record: past its message, or past the numbers its gap stands for (none when unknown). */
export function seqAfterRecord(record: JournalRecord): number {
  return record.missing ? record.seq + (record.missing.count ?? 0) : record.seq + 1;
}

/**
 * How far reading has come, so that nothing is read twice: a message kept twice (a crash
 * between keeping it and deleting its segment) or re-read by a follower, or a gap marker
 * that also sits in the gaps lane.
 */
class Progress {
  private lastGap = "";
  constructor(public nextSeq: number) {}

  /** Whether the record is new; if so, reading has now come past it. */
  fresh(record: JournalRecord): boolean {
    if (record.seq < this.nextSeq) return false;
    if (record.missing) {
      const key = `${record.seq}/${String(record.missing.count)}`;
      if (key === this.lastGap) return false;
      this.lastGap = key;
    }
    this.nextSeq = seqAfterRecord(record);
    return true;
  }
}

/** Markers first when they share a sequence number with messages: the gap comes before what follows it. */
function comesBefore(a: Block, b: Block): boolean {
  return a.firstSeq < b.firstSeq || (a.firstSeq === b.firstSeq && a.kind !== BlockKind.messages && b.kind === BlockKind.messages);
}

/**
 * The blocks of one lane's segments, in order, skipping (or reporting) the ones that cannot be
 * read. `reached`, when given, is kept at the segment being read and the offset past its last
 * block read.
 */
async function* laneBlocks(segments: SegmentFile[], options: ReadOptions, reached?: OwnProgress): AsyncGenerator<Block> {
  const { fromSeq } = options;
  for (const [i, segment] of segments.entries()) {
    // A segment's blocks lie before the next segment's first sequence number (a mark, which takes
    // none, may sit at it): when that is below fromSeq, none is wanted and the file is not opened.
    const next = segments[i + 1];
    if (fromSeq !== undefined && next !== undefined && next.firstSeq < fromSeq) continue;
    if (options.sinceMs !== undefined && next !== undefined && (await isWhollyBefore(segment, options.sinceMs))) continue;
    const position: Position = { segment, offset: 0 };
    if (reached) reached.position = position;
    try {
      for await (const block of readBlocks(segment.path)) {
        position.offset = block.next;
        if (fromSeq !== undefined && block.firstSeq + Math.max(block.count, 1) <= fromSeq) continue;
        yield block;
      }
    } catch (error) {
      report(segment, error, options);
    }
  }
}

/** Reads the complete blocks of a segment from `position.offset`, advancing it. */
async function* readSegment(position: Position, options: ReadOptions, seen: Progress): AsyncGenerator<JournalRecord> {
  try {
    for await (const block of readBlocks(position.segment.path, position.offset)) {
      position.offset = block.next;
      yield* blockRecords(block, options, seen);
    }
  } catch (error) {
    report(position.segment, error, options);
  }
}

/** The messages of a block, or its gap marker, that are new and selected. */
function* blockRecords(block: Block, options: ReadOptions, seen: Progress): Generator<JournalRecord> {
  if (options.sinceMs !== undefined && block.timeMs < options.sinceMs) return;
  if (block.kind === BlockKind.missing) {
    const gap = gapRecord(block);
    if (seen.fresh(gap)) yield gap;
    return;
  }
  if (block.kind !== BlockKind.messages || seqAfter(block) <= seen.nextSeq) return;
  let seq = block.firstSeq;
  for (const frames of decodeMessages(block.payload)) {
    const record = { seq, timeMs: block.timeMs, frames };
    if (seen.fresh(record)) yield record;
    seq++;
  }
}

/**
 * Slack for an mtime: FAT keeps it to 2 s (rounded down), and utimes' seconds as a double can put
 * it a fraction of a millisecond below the block time it was set to.
 */
const MTIME_SLACK_MS = 2000;

/**
 * Whether a closed segment — one with a newer segment after it in its lane — holds only blocks
 * journaled before `sinceMs`, told by its mtime without opening it. (The last segment of a lane may
 * be being written, and is always read.) False when it cannot be told: the file is read.
 *
 * Why the mtime is an upper bound of the segment's block times:
 * - A lane closes a segment before it starts the next (Lane.startSegment → Lane.close), and closing
 *   sets its mtime to its newest block's time — the latest of all its blocks, also after a restart
 *   that carried on in it (Lane.load takes summarize's newestMs). The journal's own segments and
 *   the kept lanes' are the same Lane, so this holds for both.
 * - Where that did not happen (utimes failed; a crash, after which the next run starts a new
 *   segment without closing a full one), the mtime is the time of the last write, which comes after
 *   every block's time: blocks are stamped when appended, before they are written.
 * - A copied journal (cp without -p) has later mtimes: nothing is skipped, only read.
 * It is decided per segment. "The next segment's first block is older" would be cheaper to check
 * in bulk but proves nothing: block times need not grow from segment to segment, since a Pi has no
 * real-time clock and its clock steps when NTP sets it. The journal's age limit deletes segments by
 * the same mtime (Retention.enforceAge), so a reader trusting it never loses more than the age limit would.
 * What fools it: an mtime set back by hand (touch -d), or a clock stepped back between stamping a
 * block and writing it, in a segment a crash left unclosed.
 */
export async function isWhollyBefore(segment: SegmentFile, sinceMs: number): Promise<boolean> {
  try {
    return (await stat(segment.path)).mtimeMs + MTIME_SLACK_MS < sinceMs;
  } catch {
    return false;
  }
}

/** The record of a gap marker block. */
export function gapRecord(block: Block): JournalRecord {
  return {
    seq: block.firstSeq,
    timeMs: block.timeMs,
    frames: [],
    missing: { count: block.count === 0 ? null : block.count, reason: block.payload.toString("utf8") },
  };
}

/** Tells `onProblem` why a segment could not be read, or throws without one; a segment rotated away is no problem. */
export function report(segment: SegmentFile, error: unknown, options: Pick<ReadOptions, "onProblem">): void {
  // Rotation may delete a segment while it is read.
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
  if (!options.onProblem) throw error;
  const cause = error as NodeJS.ErrnoException;
  options.onProblem({ file: segment.path, message: cause.code ? `${cause.code}: ${cause.message}` : cause.message });
}
