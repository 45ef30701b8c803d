import { mkdir, open, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { systemClock, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import { BLOCK_HEADER_BYTES, SEGMENT_SIGNATURE, segmentName, writeBlockHeader } from "./format.js";
import { lastBlock, listSegments } from "./segments.js";

export interface JournalWriterOptions {
  /** Directory of the segment files; created when missing. */
  dir: string;
  /** A segment is closed past about this many bytes (config `router.journal.segmentBytes`). */
  segmentBytes: number;
  /** Oldest segments are deleted while the journal is larger (config `router.journal.maxBytes`). */
  maxBytes: number;
  /** Buffered blocks are written at least this often (config `router.journal.flushIntervalMs`). */
  flushIntervalMs: number;
  /** Bytes allowed to wait for a slow disk before new messages are dropped (and counted). Default 32 MiB. */
  maxPendingBytes?: number;
  clock?: Clock;
  log?: Logger;
}

export interface JournalWriterStats {
  /** Sequence number the next message gets. */
  nextSeq: number;
  writtenMessages: number;
  writtenBytes: number;
  /** Bytes waiting to be written. */
  pendingBytes: number;
  /** Messages lost: the disk was too slow or failed. */
  droppedMessages: number;
  /** Segment files now in the directory. */
  segments: number;
}

interface Segment {
  path: string;
  bytes: number;
}

/** A block waiting for the disk: header and payload, contiguous in a slab. */
interface PendingBlock {
  bytes: Buffer;
  slab: Buffer;
  messages: number;
  firstSeq: number;
}

/** Blocks are copied into slabs of this size: a few allocations a second even at a million messages. */
const SLAB_BYTES = 1024 * 1024;

/**
 * Appends blocks of messages to the journal. `append` only buffers (it is called on the
 * router's hot path); writes happen every `flushIntervalMs`, or sooner when a megabyte
 * is waiting, one at a time and off the event loop. Sequence numbers continue from what
 * the directory already holds, across router restarts.
 */
export class JournalWriter {
  private pending: PendingBlock[] = [];
  private slab: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private slabUsed = 0;
  /** Slabs whose blocks are on disk, for reuse: garbage slabs would pile up until a GC. */
  private readonly spareSlabs: Buffer[] = [];
  private pendingBytes = 0;
  /** A flush for a full megabyte is already queued: appends until it runs need not queue more. */
  private earlyFlushQueued = false;
  private writtenMessages = 0;
  private writtenBytes = 0;
  private droppedMessages = 0;
  private handle: FileHandle | undefined;
  private current: Segment | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: TimerHandle;
  private readonly clock: Clock;
  private readonly maxPendingBytes: number;
  private closed = false;

  private constructor(
    private readonly options: JournalWriterOptions,
    private readonly segments: Segment[],
    private seq: number,
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.timer = this.clock.setInterval(() => void this.flush(), options.flushIntervalMs);
  }

  static async open(options: JournalWriterOptions): Promise<JournalWriter> {
    await mkdir(options.dir, { recursive: true });
    const files = await listSegments(options.dir);
    const segments: Segment[] = [];
    for (const file of files) segments.push({ path: file.path, bytes: (await stat(file.path)).size });
    let nextSeq = 0;
    const last = files.at(-1);
    if (last) {
      const block = await lastBlock(last.path);
      nextSeq = block ? block.firstSeq + block.messageCount : last.firstSeq;
      // A segment without a block holds nothing, and its name is the one the next segment needs.
      if (!block) {
        await rm(last.path, { force: true });
        segments.pop();
      }
    }
    return new JournalWriter(options, segments, nextSeq);
  }

  get stats(): JournalWriterStats {
    return {
      nextSeq: this.seq,
      writtenMessages: this.writtenMessages,
      writtenBytes: this.writtenBytes,
      pendingBytes: this.pendingBytes,
      droppedMessages: this.droppedMessages,
      segments: this.segments.length + (this.current ? 1 : 0),
    };
  }

  /**
   * Copies whole messages (ZMTP frames) received at `timeMs` into the write buffer; they
   * get the next `messageCount` sequence numbers. Returns the first of them. The caller's
   * buffer may be reused as soon as this returns.
   */
  append(payload: Buffer, messageCount: number, timeMs: number): number {
    const firstSeq = this.seq;
    this.seq += messageCount;
    const size = BLOCK_HEADER_BYTES + payload.length;
    if (this.closed || this.pendingBytes + size > this.maxPendingBytes) {
      this.droppedMessages += messageCount;
      this.options.log?.once("warn", "journal-behind", "the disk is not keeping up: messages are missing from the journal", {
        pendingBytes: this.pendingBytes,
      });
      return firstSeq;
    }
    if (this.slabUsed + size > this.slab.length) this.nextSlab(size);
    const bytes = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    writeBlockHeader(bytes, 0, { payloadBytes: payload.length, messageCount, firstSeq, timeMs });
    payload.copy(bytes, BLOCK_HEADER_BYTES);
    this.pending.push({ bytes, slab: this.slab, messages: messageCount, firstSeq });
    this.pendingBytes += size;
    if (this.pendingBytes >= SLAB_BYTES && !this.earlyFlushQueued) {
      this.earlyFlushQueued = true;
      void this.flush();
    }
    return firstSeq;
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  /** Resolves when the writes started so far have finished (it starts none). */
  whenWritten(): Promise<void> {
    return this.writing;
  }

  /** Flushes and closes the current segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.clock.clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const blocks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.earlyFlushQueued = false;
    // The slab now being written must not be filled further.
    this.nextSlab(0);
    for (let start = 0; start < blocks.length;) {
      const first = blocks[start] as PendingBlock;
      const used = this.handle && this.current ? this.current.bytes : undefined;
      if (used === undefined || (used > SEGMENT_SIGNATURE.length && used + first.bytes.length > this.options.segmentBytes)) {
        try {
          await this.startSegment(first.firstSeq);
        } catch (error) {
          for (const block of blocks.slice(start)) this.droppedMessages += block.messages;
          this.failed(error);
          break;
        }
      }
      // As many blocks as fit, and always at least one: a block is never split.
      const room = this.options.segmentBytes - (this.current?.bytes ?? 0);
      let end = start;
      let bytes = 0;
      while (end < blocks.length && (end === start || bytes + (blocks[end] as PendingBlock).bytes.length <= room)) {
        bytes += (blocks[end] as PendingBlock).bytes.length;
        end++;
      }
      await this.write(blocks.slice(start, end), bytes);
      start = end;
    }
    for (const slab of new Set(blocks.map((block) => block.slab))) {
      if (slab.length === SLAB_BYTES && this.spareSlabs.length < 4) this.spareSlabs.push(slab);
    }
  }

  private nextSlab(atLeast: number): void {
    this.slab = atLeast > SLAB_BYTES ? Buffer.allocUnsafe(atLeast) : (this.spareSlabs.pop() ?? Buffer.allocUnsafe(SLAB_BYTES));
    this.slabUsed = 0;
  }

  private async write(blocks: PendingBlock[], bytes: number): Promise<void> {
    const messages = blocks.reduce((sum, block) => sum + block.messages, 0);
    try {
      if (!this.handle || !this.current) throw new Error("no journal segment is open");
      await this.handle.writev(contiguous(blocks.map((block) => block.bytes)));
      this.current.bytes += bytes;
      this.writtenBytes += bytes;
      this.writtenMessages += messages;
    } catch (error) {
      this.droppedMessages += messages;
      this.failed(error);
      return;
    }
    // A block is never split, so one larger than a segment's room (a burst read at once) can
    // take the journal past maxBytes: older segments go now, not at the next rotation.
    await this.prune(this.options.maxBytes);
  }

  /** Logs a disk failure once per kind and lets the next write start a fresh segment. */
  private failed(error: unknown): void {
    this.options.log?.once(
      "error",
      `write:${(error as NodeJS.ErrnoException).code ?? "?"}`,
      "cannot write the journal (said once per kind)",
      {
        error,
        dir: this.options.dir,
      },
    );
    void this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.current) this.segments.push(this.current);
    this.current = undefined;
  }

  /** Closes the current segment (if any) and starts one named after `firstSeq`. */
  private async startSegment(firstSeq: number): Promise<void> {
    const previous = this.handle;
    this.handle = undefined;
    if (this.current) this.segments.push(this.current);
    this.current = undefined;
    await previous?.close();
    await mkdir(this.options.dir, { recursive: true });
    const file = path.join(this.options.dir, segmentName(firstSeq));
    this.handle = await open(file, "wx");
    this.current = { path: file, bytes: 0 };
    await this.handle.write(SEGMENT_SIGNATURE);
    this.current.bytes = SEGMENT_SIGNATURE.length;
    await this.prune(this.options.maxBytes - this.options.segmentBytes); // room for the new segment to fill
  }

  /** Deletes the oldest closed segments while the journal holds more than `limitBytes`. */
  private async prune(limitBytes: number): Promise<void> {
    let total = this.segments.reduce((sum, segment) => sum + segment.bytes, this.current?.bytes ?? 0);
    while (total > limitBytes && this.segments.length > 0) {
      const oldest = this.segments.shift() as Segment;
      await rm(oldest.path, { force: true });
      total -= oldest.bytes;
      this.options.log?.debug("deleted the oldest journal segment", { file: oldest.path, bytes: oldest.bytes });
    }
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
