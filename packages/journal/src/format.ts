/**
 * The journal on disk: a directory of segment files `journal-<first seq>.rgj`, each an
 * 8-byte signature followed by blocks. A block is a 32-byte little-endian header
 * (signature, payload length, count, kind, first sequence number, time in ms since the
 * epoch) and a payload. Every message of a block shares the block's time: when the router
 * journaled it. Messages are stored as ZMTP frames, bytes exactly as they crossed the
 * router — so non-UTF-8 bytes are kept as they were, and rendered safely when read.
 *
 * Messages of protected topics are moved, when their segment is deleted for room, into
 * segments of their own under `kept/<TOPIC>/` (and gap markers under `kept/gaps/`), with
 * the same format: see docs/journal.md.
 */
export const SEGMENT_SIGNATURE = Buffer.from("RGJOURN1", "latin1");
export const BLOCK_SIGNATURE = 0x424a4752; // "RGJB"
export const BLOCK_HEADER_BYTES = 32;
const SEGMENT_NAME = /^journal-(\d{16})\.rgj$/;

/** What a block holds. Files written before kinds existed have 0 (messages) in that field. */
export const BlockKind = {
  /** `count` whole messages with consecutive sequence numbers from `firstSeq`. */
  messages: 0,
  /**
   * Sequence numbers `firstSeq` … `firstSeq + count − 1` have no message in the journal
   * (`count` 0: an unknown number from `firstSeq` on); the payload says why, in UTF-8.
   */
  missing: 1,
  /** A writer opened the journal here (no messages). */
  opened: 2,
  /** The writer closed cleanly here: everything it was given before is on disk (no messages). */
  closed: 3,
} as const;
export type BlockKind = (typeof BlockKind)[keyof typeof BlockKind];

export interface BlockHeader {
  payloadBytes: number;
  /** Messages (kind `messages`) or missing sequence numbers (kind `missing`); 0 otherwise. */
  count: number;
  kind: BlockKind;
  firstSeq: number;
  timeMs: number;
}

/** Writes a block header into `target` at `offset`. */
export function writeBlockHeader(target: Buffer, offset: number, header: BlockHeader): void {
  target.writeUInt32LE(BLOCK_SIGNATURE, offset);
  target.writeUInt32LE(header.payloadBytes, offset + 4);
  target.writeUInt32LE(header.count, offset + 8);
  target.writeUInt32LE(header.kind, offset + 12);
  target.writeDoubleLE(header.firstSeq, offset + 16);
  target.writeDoubleLE(header.timeMs, offset + 24);
}

/** The header at `offset`, or null when the bytes there are not a block header. */
export function decodeBlockHeader(bytes: Buffer, offset = 0): BlockHeader | null {
  if (bytes.length - offset < BLOCK_HEADER_BYTES || bytes.readUInt32LE(offset) !== BLOCK_SIGNATURE) return null;
  const kind = bytes.readUInt32LE(offset + 12);
  if (kind > BlockKind.closed) return null;
  return {
    payloadBytes: bytes.readUInt32LE(offset + 4),
    count: bytes.readUInt32LE(offset + 8),
    kind: kind as BlockKind,
    firstSeq: bytes.readDoubleLE(offset + 16),
    timeMs: bytes.readDoubleLE(offset + 24),
  };
}

/** A whole block (header and payload) in a buffer of its own. */
export function encodeBlock(header: Omit<BlockHeader, "payloadBytes">, payload: Buffer = Buffer.alloc(0)): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_HEADER_BYTES + payload.length);
  writeBlockHeader(block, 0, { ...header, payloadBytes: payload.length });
  payload.copy(block, BLOCK_HEADER_BYTES);
  return block;
}

/** The sequence number after a block's last one. */
export function seqAfter(header: Pick<BlockHeader, "kind" | "count" | "firstSeq">): number {
  return header.kind === BlockKind.messages || header.kind === BlockKind.missing ? header.firstSeq + header.count : header.firstSeq;
}

export function segmentName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(16, "0")}.rgj`;
}

/** The first sequence number a segment file name carries, or null for other files. */
export function segmentFirstSeq(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** The directory of kept messages, under the journal directory. */
export const KEPT_DIR = "kept";
/** The kept lane of gap markers (topics are upper case, so it cannot clash with one). */
export const GAPS_LANE = "gaps";
