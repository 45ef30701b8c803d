import { mkdir, open, rm, stat, utimes, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { SEGMENT_SIGNATURE, segmentName, seqAfter, type BlockHeader } from "./format.js";
import { JournalFileError, laneDirectory, listLane, summarize } from "./segments.js";

export interface LaneOptions {
  /** The journal directory. */
  dir: string;
  /** null: the journal's own segments; else a kept lane (a topic, or `gaps`). */
  lane: string | null;
  /** A segment is closed past about this many bytes. */
  segmentBytes: number;
  /** The oldest segments go while the lane holds more (see Lane.overBudget). */
  budgetBytes: number;
}

/** A whole block (header and payload) to append, and the sequence numbers it covers. */
export interface BlockToWrite {
  bytes: Buffer;
  firstSeq: number;
  /** The sequence number after its last one (its first, for marks that take none). */
  nextSeq: number;
  timeMs: number;
}

export interface Segment {
  path: string;
  /** The sequence number in its name. */
  firstSeq: number;
  bytes: number;
  /** When its newest block was written (its mtime once closed). */
  newestMs: number;
}

/**
 * One series of segment files in a directory, appended to at the end and deleted from the
 * start. Writes go to explicit offsets: after a failed write the next one overwrites what it
 * left, so a torn block never sits between whole ones.
 */
export class Lane {
  /** The sequence number after the last block written (0 for a lane never written). */
  nextSeq = 0;
  /** The last block on disk when the lane was loaded; undefined for an empty lane. */
  loadedLast: BlockHeader | undefined;
  private readonly closed: Segment[] = [];
  private current: (Segment & { handle: FileHandle }) | undefined;

  private constructor(readonly options: LaneOptions) {}

  /** Reads what the lane holds on disk. Throws when the directory cannot be read. */
  static async load(options: LaneOptions): Promise<Lane> {
    const lane = new Lane(options);
    const files = await listLane(options.dir, options.lane);
    for (const file of files) {
      const info = await stat(file.path);
      // A file created by a crash before its signature was written holds nothing.
      if (info.size < SEGMENT_SIGNATURE.length) {
        await rm(file.path, { force: true });
        continue;
      }
      lane.closed.push({ path: file.path, firstSeq: file.firstSeq, bytes: info.size, newestMs: info.mtimeMs });
    }
    const last = lane.closed.at(-1);
    if (last) {
      try {
        const summary = await summarize(last.path);
        lane.loadedLast = summary.last;
        lane.nextSeq = summary.last ? seqAfter(summary.last) : (files.at(-1)?.firstSeq ?? 0);
        // Carry on in the last segment when it has room: after its last whole block.
        // (On a read-only disk it stays closed, and the first write tells what is wrong.)
        const handle = summary.end < options.segmentBytes ? await open(last.path, "r+").catch(() => undefined) : undefined;
        if (handle) {
          lane.closed.pop();
          // The newest of its blocks, which close() makes its mtime: what readers skip it by (reader.ts).
          lane.current = { ...last, bytes: summary.end, newestMs: summary.last ? summary.newestMs : last.newestMs, handle };
        }
      } catch (error) {
        if (!(error instanceof JournalFileError)) throw error;
      }
    }
    return lane;
  }

  get name(): string | null {
    return this.options.lane;
  }

  /** Bytes of all its segments. */
  get bytes(): number {
    return this.closed.reduce((sum, segment) => sum + segment.bytes, this.current?.bytes ?? 0);
  }

  get segmentCount(): number {
    return this.closed.length + (this.current ? 1 : 0);
  }

  /** The time of the newest block of the segment being written (Infinity when there is none). */
  get newestMs(): number {
    return this.current?.newestMs ?? Infinity;
  }

  /** The oldest segment that is not being written. */
  get oldest(): Segment | undefined {
    return this.closed[0];
  }

  /** Whether the lane holds more than its budget, keeping `room` bytes free for the segment being filled. */
  overBudget(room = 0): boolean {
    return this.closed.length > 0 && this.bytes > this.options.budgetBytes - room;
  }

  /**
   * Appends whole blocks in order, as many to a segment as fit and always at least one (a
   * block is never split), starting a segment named after the next block's sequence number
   * when one is full. A segment whose name is that number already (it holds only marks,
   * which take none) takes the block whatever its size. `afterEach` is told, after each
   * write, how many blocks are on disk so far.
   */
  async appendAll(blocks: readonly BlockToWrite[], afterEach: (written: number) => Promise<void>): Promise<void> {
    let start = 0;
    while (start < blocks.length) {
      const first = blocks[start] as BlockToWrite;
      if (!this.current || (this.room < first.bytes.length && first.firstSeq > this.current.firstSeq))
        await this.startSegment(first.firstSeq, first.timeMs);
      const current = this.current as Segment & { handle: FileHandle };
      const room = this.room;
      const parts: Buffer[] = [];
      let bytes = 0;
      let end = start;
      while (end < blocks.length) {
        const block = blocks[end] as BlockToWrite;
        if (end > start && bytes + block.bytes.length > room) break;
        parts.push(block.bytes);
        bytes += block.bytes.length;
        current.newestMs = Math.max(current.newestMs, block.timeMs);
        end++;
      }
      await current.handle.writev(contiguous(parts), current.bytes);
      current.bytes += bytes;
      this.nextSeq = (blocks[end - 1] as BlockToWrite).nextSeq;
      start = end;
      await afterEach(end);
    }
  }

  /** Bytes the current segment can still take before the next one starts (0 when full). */
  get room(): number {
    return Math.max(0, this.options.segmentBytes - (this.current?.bytes ?? SEGMENT_SIGNATURE.length));
  }

  /** Deletes the oldest closed segment. */
  async dropOldest(): Promise<Segment | undefined> {
    const oldest = this.closed.shift();
    if (oldest) await rm(oldest.path, { force: true });
    return oldest;
  }

  /**
   * Closes the current segment; the next append starts another. Its mtime becomes its
   * newest block's time, which is how age is told after a restart.
   */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    const { handle, ...segment } = current;
    this.closed.push(segment);
    await handle.close();
    await utimes(segment.path, segment.newestMs / 1000, segment.newestMs / 1000).catch(() => undefined);
  }

  private async startSegment(firstSeq: number, newestMs: number): Promise<void> {
    await this.close();
    const dir = laneDirectory(this.options.dir, this.options.lane);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, segmentName(firstSeq));
    const handle = await open(file, "wx", 0o640); // the group reads the journal; under UMask=0007 it could write it too
    try {
      await handle.write(SEGMENT_SIGNATURE, 0, SEGMENT_SIGNATURE.length, 0);
    } catch (error) {
      // A full disk: leave no empty segment behind (the next try would make another).
      await handle.close().catch(() => undefined);
      await rm(file, { force: true }).catch(() => undefined);
      throw error;
    }
    this.current = { path: file, firstSeq, bytes: SEGMENT_SIGNATURE.length, newestMs, handle };
  }
}

/** Joins neighbouring views of the same memory, so that a slab goes to the disk as one piece. */
function contiguous(parts: Buffer[]): Buffer[] {
  const joined: Buffer[] = [];
  for (const part of parts) {
    const last = joined.at(-1);
    if (last && last.buffer === part.buffer && last.byteOffset + last.length === part.byteOffset) {
      joined[joined.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + part.length);
    } else joined.push(part);
  }
  return joined;
}
