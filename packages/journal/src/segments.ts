import { open, readdir, type FileHandle } from "node:fs/promises";
import path from "node:path";
import {
  BLOCK_HEADER_BYTES,
  BlockKind,
  decodeBlockHeader,
  GAPS_LANE,
  KEPT_DIR,
  SEGMENT_SIGNATURE,
  segmentFirstSeq,
  type BlockHeader,
} from "./format.js";

export interface SegmentFile {
  name: string;
  path: string;
  firstSeq: number;
  /** null: the journal's own segments (every message); else the kept lane (a topic, or `gaps`). */
  lane: string | null;
}

/** A file of the journal that is not a segment as it should be. */
export class JournalFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/**
 * The segment files of a journal directory, its own and its kept lanes', by first sequence
 * number; none when the directory is missing. Throws when it cannot be listed.
 */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const own = await listLane(dir, null);
  const lanes = await listDir(path.join(dir, KEPT_DIR));
  const kept = await Promise.all(lanes.map((lane) => listLane(dir, lane)));
  return [...own, ...kept.flat()].sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The segment files of one lane (null: the journal's own), oldest first. */
export async function listLane(dir: string, lane: string | null): Promise<SegmentFile[]> {
  const laneDir = laneDirectory(dir, lane);
  const names = await listDir(laneDir);
  return names
    .map((name) => ({ name, path: path.join(laneDir, name), firstSeq: segmentFirstSeq(name), lane }))
    .filter((segment): segment is SegmentFile => segment.firstSeq !== null)
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The directory holding a lane's segments. */
export function laneDirectory(dir: string, lane: string | null): string {
  return lane === null ? dir : path.join(dir, KEPT_DIR, lane);
}

/** The names of the kept lanes that may exist: `gaps` and topics. */
export function isLaneName(name: string): boolean {
  return name === GAPS_LANE || /^[A-Z][A-Z0-9_]*$/.test(name);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export interface Block extends BlockHeader {
  /** Messages as ZMTP frames (kind `messages`), or why they are missing (kind `missing`). */
  payload: Buffer;
  /** Offset just past this block in the file: where reading resumes. */
  next: number;
}

/** Bytes read from disk at a time: a quiet router writes one small block per message. */
const READ_BYTES = 1024 * 1024;

/**
 * The complete blocks of a segment from `offset` (0: the start, after the signature), read
 * a megabyte at a time. Stops at the end of the file or at a torn block (a crash
 * mid-write). Throws JournalFileError when the file is not a journal segment.
 */
export async function* readBlocks(file: string, offset = 0): AsyncGenerator<Block> {
  const handle = await open(file, "r");
  try {
    const size = (await handle.stat()).size;
    let position = offset;
    if (offset === 0) {
      const signature = Buffer.alloc(SEGMENT_SIGNATURE.length);
      await handle.read(signature, 0, signature.length, 0);
      if (!signature.equals(SEGMENT_SIGNATURE)) throw new JournalFileError(file, "not a journal segment (no RGJOURN1 signature)");
      position = SEGMENT_SIGNATURE.length;
    }
    let buffer: Buffer = Buffer.alloc(0);
    let bufferAt = position;
    while (position + BLOCK_HEADER_BYTES <= size) {
      if (position + BLOCK_HEADER_BYTES > bufferAt + buffer.length) {
        ({ buffer, bufferAt } = await readAt(handle, position, Math.min(READ_BYTES, size - position)));
      }
      const header = decodeBlockHeader(buffer, position - bufferAt);
      if (!header) return;
      const end = position + BLOCK_HEADER_BYTES + header.payloadBytes;
      if (end > size) return;
      if (end > bufferAt + buffer.length) ({ buffer, bufferAt } = await readAt(handle, position, Math.max(READ_BYTES, end - position)));
      const start = position + BLOCK_HEADER_BYTES - bufferAt;
      yield { ...header, payload: buffer.subarray(start, start + header.payloadBytes), next: end };
      position = end;
    }
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<{ buffer: Buffer; bufferAt: number }> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return { buffer: buffer.subarray(0, bytesRead), bufferAt: position };
}

/**
 * What a segment holds: its last block, where its whole blocks end, how many messages it has, and
 * its newest block's time (the latest of all, not the last's: a clock may step back; -Infinity when empty).
 */
export async function summarize(file: string): Promise<{ last: BlockHeader | undefined; end: number; messages: number; newestMs: number }> {
  let last: BlockHeader | undefined;
  let end = SEGMENT_SIGNATURE.length;
  let messages = 0;
  let newestMs = -Infinity;
  for await (const block of readBlocks(file)) {
    last = block;
    end = block.next;
    newestMs = Math.max(newestMs, block.timeMs);
    if (block.kind === BlockKind.messages) messages += block.count;
  }
  return { last, end, messages, newestMs };
}
