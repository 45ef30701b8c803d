import { setTimeout as sleep } from "node:timers/promises";
import { listSegments, readBlocks, type SegmentFile } from "./segments.js";
import { decodeMessages } from "./zmtp-frames.js";

/** One journaled message. */
export interface JournalRecord {
  /** Position in the journal, counting from the first message ever journaled in this directory. */
  seq: number;
  /** When the router journaled it, in ms since the epoch. */
  timeMs: number;
  /** The message's frames (bus messages have one). */
  frames: Buffer[];
}

export interface ReadOptions {
  /** Only messages from this sequence number on. */
  fromSeq?: number;
  /** Only messages journaled at or after this time (ms since the epoch). */
  sinceMs?: number;
}

interface Position {
  segment: SegmentFile;
  offset: number;
}

/** Every record in the journal directory, oldest first. */
export async function* readJournal(dir: string, options: ReadOptions = {}): AsyncGenerator<JournalRecord> {
  for (const segment of await listSegments(dir)) {
    yield* readSegment({ segment, offset: 0 }, options);
  }
}

/**
 * The records already in the journal, then new ones as the router writes them, until
 * `signal` aborts. Survives rotation: deleted segments are skipped, new ones picked up.
 */
export async function* followJournal(
  dir: string,
  options: ReadOptions & { signal: AbortSignal; pollMs?: number },
): AsyncGenerator<JournalRecord> {
  const pollMs = options.pollMs ?? 200;
  let position: Position | undefined;
  let nextSeq = options.fromSeq ?? 0;
  while (!options.signal.aborted) {
    const segments = await listSegments(dir);
    if (!position || !segments.some((segment) => segment.name === position?.segment.name)) {
      // Start, or our segment was rotated away: take the segment holding nextSeq (or the oldest after it).
      const segment = segments.filter((candidate) => candidate.firstSeq <= nextSeq).at(-1) ?? segments[0];
      position = segment ? { segment, offset: 0 } : undefined;
    }
    if (position) {
      for await (const record of readSegment(position, { ...options, fromSeq: nextSeq })) {
        nextSeq = record.seq + 1;
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

/** Reads the complete blocks of a segment from `position.offset`, advancing it. */
async function* readSegment(position: Position, options: ReadOptions): AsyncGenerator<JournalRecord> {
  try {
    for await (const block of readBlocks(position.segment.path, position.offset)) {
      position.offset = block.next;
      if (options.fromSeq !== undefined && block.firstSeq + block.messageCount <= options.fromSeq) continue;
      if (options.sinceMs !== undefined && block.timeMs < options.sinceMs) continue;
      let seq = block.firstSeq;
      for (const frames of decodeMessages(block.payload)) {
        if (options.fromSeq === undefined || seq >= options.fromSeq) yield { seq, timeMs: block.timeMs, frames };
        seq++;
      }
    }
  } catch (error) {
    // Rotation may delete a segment while it is read.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
