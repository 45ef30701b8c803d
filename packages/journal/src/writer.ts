import { backoffDelay, systemClock, type Backoff, type Clock, type Logger, type TimerHandle } from "@roomguard/runtime";
import type { EvictionReason } from "./eviction-report.js";
import { BLOCK_HEADER_BYTES, BlockKind, encodeBlock, seqAfter, writeBlockHeader } from "./format.js";
import type { BlockToWrite } from "./lane.js";
import { Retention } from "./retention.js";

export interface JournalWriterOptions {
  /** Directory of the segment files; created when missing. */
  dir: string;
  /** A segment is closed past about this many bytes (config `router.journal.segmentBytes`). */
  segmentBytes: number;
  /** The whole journal's bound: oldest segments go while it is larger (config `router.journal.maxBytes`). */
  maxBytes: number;
  /** Buffered blocks are written at least this often (config `router.journal.flushIntervalMs`). */
  flushIntervalMs: number;
  /** Bytes allowed to wait for a slow disk before new messages are dropped (and counted). Default 32 MiB. */
  maxPendingBytes?: number;
  /**
   * Topics whose messages outlive their segment when it is deleted for room, each in a lane
   * of its own (config `router.journal.protectedTopics`). Default none.
   */
  protectedTopics?: readonly string[];
  /** Bytes each protected topic keeps, taken out of maxBytes (config `router.journal.protectedTopicBytes`). Default 2 MiB. */
  protectedTopicBytes?: number;
  /** Segments whose newest message is older than this are deleted (config `router.journal.maxAgeDays`); 0 or absent: no limit. */
  maxAgeMs?: number;
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
  /** Messages never written: the disk was too slow or failed (gap markers say where). */
  droppedMessages: number;
  /** Segment files now in the directory, kept lanes included. */
  segments: number;
  /** Bytes of those files. */
  bytes: number;
  /** Messages deleted from the journal, by why: over maxBytes, or older than maxAgeMs. */
  evicted: Record<EvictionReason, number>;
  /** Messages of protected topics moved into their lanes instead of being deleted. */
  keptMessages: number;
  /** What keeps the journal from writing now (as a person reads it), or undefined. */
  problem: string | undefined;
}

/** A block waiting for the disk: messages copied into a slab, or a marker encoded when written. */
type PendingBlock =
  | { kind: typeof BlockKind.messages; bytes: Buffer; slab: Buffer; count: number; firstSeq: number; timeMs: number }
  | { kind: typeof BlockKind.missing; count: number; firstSeq: number; timeMs: number; reason: string }
  | { kind: typeof BlockKind.opened | typeof BlockKind.closed; count: 0; firstSeq: number; timeMs: number };

/** A failure to write, and when to try again. */
interface Failing {
  /** What gap markers and the problem say of it: built once, not per dropped batch. */
  reason: string;
  sinceMs: number;
  lostMessages: number;
  /** Failed writes in a row (the first included), for the pause before the next. */
  failuresInRow: number;
  retryAtMs: number;
}

/** Blocks are copied into slabs of this size: a few allocations a second even at a million messages. */
const SLAB_BYTES = 1024 * 1024;
/** The pause before trying a failing disk again: 1 s, doubling up to 30 s. */
const RETRY_MS: Backoff = { first: 1000, max: 30_000 };

/**
 * Appends blocks of messages to the journal. `append` only buffers (it is called on the
 * router's hot path); writes happen every `flushIntervalMs`, or sooner when a megabyte
 * is waiting, one at a time and off the event loop. Sequence numbers continue from what
 * the directory already holds, across router restarts.
 *
 * What cannot be written is never silent: dropped messages leave a gap marker (a `missing`
 * block) where they would have been, a run that did not close cleanly is marked by the next
 * one, a failing disk is the `problem` in the stats until a write succeeds again (tried
 * with a growing pause, so a full disk does not cost a system call per flush), and whatever
 * is deleted for room or age is counted and logged.
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
  /** The lanes on disk, once the directory could be read. */
  private lanes: Retention | undefined;
  private failing: Failing | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: TimerHandle;
  private readonly clock: Clock;
  private readonly maxPendingBytes: number;
  /** The gap markers' reason while the disk is too slow. */
  private readonly behindReason: string;
  private isClosed = false;
  /** Next sequence number; counted from 0 until the directory has been read (see load). */
  private seq = 0;

  private constructor(private readonly options: JournalWriterOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.behindReason = `the disk did not keep up: more than ${this.maxPendingBytes} bytes waited to be written`;
    this.timer = this.clock.setInterval(() => void this.flush(), options.flushIntervalMs);
  }

  /**
   * Opens the journal in `options.dir` and marks the start of a run (and, when the last run
   * did not close cleanly, the gap it left). A directory that cannot be read or written does
   * not make this fail: the writer reports it as its `problem` and keeps trying.
   */
  static async open(options: JournalWriterOptions): Promise<JournalWriter> {
    const writer = new JournalWriter(options);
    await writer.flush();
    return writer;
  }

  get stats(): JournalWriterStats {
    return {
      nextSeq: this.seq,
      writtenMessages: this.writtenMessages,
      writtenBytes: this.writtenBytes,
      pendingBytes: this.pendingBytes,
      droppedMessages: this.droppedMessages,
      segments: this.lanes?.segments ?? 0,
      bytes: this.lanes?.bytes ?? 0,
      evicted: this.lanes?.evicted ?? { size: 0, age: 0 },
      keptMessages: this.lanes?.keptMessages ?? 0,
      problem: this.problem,
    };
  }

  /** What keeps the journal from writing, for a person (a full disk, and how many messages it cost); undefined when it writes. */
  get problem(): string | undefined {
    if (!this.failing) return undefined;
    const { reason, sinceMs, lostMessages } = this.failing;
    return `${reason}; ${lostMessages} messages lost since ${new Date(sinceMs).toISOString()}`;
  }

  /**
   * Copies whole messages (ZMTP frames) received at `timeMs` into the write buffer; they
   * get the next `messageCount` sequence numbers. Returns the first of them (provisional
   * until the directory could be read). The caller's buffer may be reused as soon as this returns.
   */
  append(payload: Buffer, messageCount: number, timeMs: number): number {
    const firstSeq = this.seq;
    this.seq += messageCount;
    if (this.isClosed) {
      this.droppedMessages += messageCount;
      return firstSeq;
    }
    if (this.failing) {
      this.drop(firstSeq, messageCount, timeMs, this.failing.reason);
      this.failing.lostMessages += messageCount;
      return firstSeq;
    }
    const size = BLOCK_HEADER_BYTES + payload.length;
    if (this.pendingBytes + size > this.maxPendingBytes) {
      this.drop(firstSeq, messageCount, timeMs, this.behindReason);
      this.options.log?.once("warn", "journal-behind", "the disk is not keeping up: messages are missing from the journal", {
        pendingBytes: this.pendingBytes,
      });
      return firstSeq;
    }
    if (this.slabUsed + size > this.slab.length) this.nextSlab(size);
    const bytes = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    writeBlockHeader(bytes, 0, { payloadBytes: payload.length, count: messageCount, kind: BlockKind.messages, firstSeq, timeMs });
    payload.copy(bytes, BLOCK_HEADER_BYTES);
    this.pending.push({ kind: BlockKind.messages, bytes, slab: this.slab, count: messageCount, firstSeq, timeMs });
    this.pendingBytes += size;
    if (this.pendingBytes >= SLAB_BYTES && !this.earlyFlushQueued) {
      this.earlyFlushQueued = true;
      void this.flush();
    }
    return firstSeq;
  }

  /** Writes everything buffered so far (on a failing disk: only once its pause is over). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending(false));
    return this.writing;
  }

  /** Resolves when the writes started so far have finished (it starts none). */
  whenWritten(): Promise<void> {
    return this.writing;
  }

  /** Writes everything buffered and a mark that this run ended cleanly, and closes. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.clock.clearInterval(this.timer);
    this.pending.push({ kind: BlockKind.closed, count: 0, firstSeq: this.seq, timeMs: this.clock.now() });
    this.writing = this.writing.then(() => this.writePending(true));
    await this.writing;
    this.isClosed = true;
    await this.lanes?.close();
  }

  /** Counts messages that will not be written and marks where they were, merging with the marker before. */
  private drop(firstSeq: number, count: number, timeMs: number, reason: string): void {
    this.droppedMessages += count;
    markGap(this.pending, firstSeq, count, timeMs, reason);
  }

  private async writePending(force: boolean): Promise<void> {
    if (this.failing && !force && this.clock.now() < this.failing.retryAtMs) return;
    if (!this.lanes) {
      try {
        this.lanes = await this.load();
      } catch (error) {
        this.failed(error);
        return;
      }
    }
    const lanes = this.lanes;
    const blocks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.earlyFlushQueued = false;
    // The slab now being written must not be filled further.
    this.nextSlab(0);
    const toWrite = blocks.map(toBlockToWrite);
    let written = 0;
    try {
      await lanes.own.appendAll(toWrite, async (count) => {
        for (; written < count; written++) {
          const block = blocks[written] as PendingBlock;
          this.writtenBytes += (toWrite[written] as BlockToWrite).bytes.length;
          if (block.kind === BlockKind.messages) this.writtenMessages += block.count;
        }
        // A block is never split, so one larger than a segment's room (a burst read at once) can
        // take the journal past its budget: older segments go now, not at the next rotation.
        await lanes.makeRoom();
      });
      if (written > 0) this.recovered();
    } catch (error) {
      const failing = this.failed(error);
      failing.lostMessages += this.requeue(blocks.slice(written), failing.reason);
    }
    for (const slab of new Set(blocks.flatMap((block) => (block.kind === BlockKind.messages ? [block.slab] : [])))) {
      if (slab.length === SLAB_BYTES && this.spareSlabs.length < 4) this.spareSlabs.push(slab);
    }
    await lanes
      .enforceAge()
      .catch((error: unknown) =>
        this.options.log?.once("error", "age", "cannot delete old journal segments (said once)", { error, dir: this.options.dir }),
      );
  }

  /**
   * Reads what the directory holds: the sequence number to continue from, and whether the
   * last run closed cleanly. The blocks queued before (provisional numbers from 0) move up
   * behind the marks of this run's start.
   */
  private async load(): Promise<Retention> {
    const lanes = await Retention.load({ ...this.options, maxAgeMs: this.options.maxAgeMs ?? 0, clock: this.clock, log: this.options.log });
    const onDisk = lanes.nextSeq;
    const now = this.clock.now();
    const marks: PendingBlock[] = [];
    const last = lanes.own.loadedLast;
    if (last && last.kind !== BlockKind.closed) {
      const at = new Date(last.timeMs).toISOString();
      marks.push({
        kind: BlockKind.missing,
        count: 0,
        firstSeq: onDisk,
        timeMs: now,
        reason: `the router stopped without closing the journal (killed, or the power failed) after ${at}: what it had not written yet, up to router.journal.flushIntervalMs of traffic, is missing; how many messages is not known`,
      });
      this.options.log?.warn("the last run did not close the journal: its last moments are missing (a gap marker says where)", {
        lastWrittenAt: at,
      });
    }
    marks.push({ kind: BlockKind.opened, count: 0, firstSeq: onDisk, timeMs: now });
    for (const block of this.pending) block.firstSeq += onDisk;
    this.pending = [...marks, ...this.pending];
    this.seq += onDisk;
    return lanes;
  }

  /**
   * Puts blocks that could not be written back in front: messages become a gap marker,
   * marks stay. Returns how many messages that loses.
   */
  private requeue(blocks: PendingBlock[], reason: string): number {
    const back: PendingBlock[] = [];
    let lost = 0;
    for (const block of blocks) {
      if (block.kind !== BlockKind.messages) {
        back.push(block);
        continue;
      }
      lost += block.count;
      markGap(back, block.firstSeq, block.count, block.timeMs, reason);
    }
    this.droppedMessages += lost;
    this.pending = [...back, ...this.pending];
    return lost;
  }

  /** Remembers a failure (logged once per kind) and when to try again: 1 s, doubling up to 30 s. */
  private failed(error: unknown): Failing {
    const cause = error as NodeJS.ErrnoException;
    const now = this.clock.now();
    const failuresInRow = (this.failing?.failuresInRow ?? 0) + 1;
    const failing: Failing = {
      reason: `cannot write the journal in ${this.options.dir}: ${cause.message}`,
      sinceMs: this.failing?.sinceMs ?? now,
      lostMessages: this.failing?.lostMessages ?? 0,
      failuresInRow,
      retryAtMs: now + backoffDelay(failuresInRow, RETRY_MS),
    };
    this.failing = failing;
    this.options.log?.once(
      "error",
      `write:${cause.code ?? "?"}`,
      "cannot write the journal (said once per kind; the router's status shows it)",
      {
        error: cause,
        dir: this.options.dir,
      },
    );
    return failing;
  }

  private recovered(): void {
    if (!this.failing) return;
    this.options.log?.info("the journal writes again", {
      failedSince: new Date(this.failing.sinceMs).toISOString(),
      lostMessages: this.failing.lostMessages,
    });
    this.failing = undefined;
  }

  private nextSlab(atLeast: number): void {
    this.slab = atLeast > SLAB_BYTES ? Buffer.allocUnsafe(atLeast) : (this.spareSlabs.pop() ?? Buffer.allocUnsafe(SLAB_BYTES));
    this.slabUsed = 0;
  }
}

/**
 * Adds a gap marker for `count` messages from `firstSeq` to `blocks`, or extends the last one
 * when it has the same reason and ends where this gap starts. A marker of an unknown number
 * (count 0: a run that did not close the journal) is never extended.
 */
function markGap(blocks: PendingBlock[], firstSeq: number, count: number, timeMs: number, reason: string): void {
  const last = blocks.at(-1);
  if (last?.kind === BlockKind.missing && last.reason === reason && last.count > 0 && last.firstSeq + last.count === firstSeq)
    last.count += count;
  else blocks.push({ kind: BlockKind.missing, count, firstSeq, timeMs, reason });
}

function toBlockToWrite(block: PendingBlock): BlockToWrite {
  const bytes =
    block.kind === BlockKind.messages
      ? block.bytes
      : encodeBlock(
          { kind: block.kind, count: block.count, firstSeq: block.firstSeq, timeMs: block.timeMs },
          block.kind === BlockKind.missing ? Buffer.from(block.reason) : undefined,
        );
  return { bytes, firstSeq: block.firstSeq, nextSeq: seqAfter(block), timeMs: block.timeMs };
}
