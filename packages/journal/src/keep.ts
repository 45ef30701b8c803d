import { BlockKind, encodeBlock, GAPS_LANE, seqAfter } from "./format.js";
import type { BlockToWrite } from "./lane.js";
import { readBlocks } from "./segments.js";
import { decodeMessages, encodeMessage } from "./zmtp-frames.js";

/** What an evicted segment held, and what of it is to be kept, by lane. */
export interface Sorted {
  /** Messages in the segment. */
  messages: number;
  /** Messages of protected topics, now in `lanes`. */
  kept: number;
  lanes: Map<string, BlockToWrite[]>;
}

/**
 * Reads a segment about to be deleted for room and picks out what outlives it: messages of
 * protected topics (each topic a lane of its own, so a flood of one cannot push out another's
 * past) and gap markers (lane `gaps`). `nextSeqOf(lane)` tells what a lane already holds: a
 * crash between keeping and deleting leaves a segment whose messages are kept already.
 */
export async function sortForKeeping(file: string, topics: ReadonlySet<string>, nextSeqOf: (lane: string) => number): Promise<Sorted> {
  const sorted: Sorted = { messages: 0, kept: 0, lanes: new Map() };
  const add = (lane: string, bytes: Buffer, firstSeq: number, nextSeq: number, timeMs: number): void => {
    if (firstSeq < nextSeqOf(lane)) return;
    const kept = sorted.lanes.get(lane) ?? [];
    kept.push({ bytes, firstSeq, nextSeq, timeMs });
    sorted.lanes.set(lane, kept);
  };
  for await (const block of readBlocks(file)) {
    if (block.kind === BlockKind.missing) {
      add(GAPS_LANE, encodeBlock(block, block.payload), block.firstSeq, seqAfter(block), block.timeMs);
    }
    if (block.kind !== BlockKind.messages) continue;
    sorted.messages += block.count;
    if (topics.size === 0) continue;
    let seq = block.firstSeq;
    for (const frames of decodeMessages(block.payload)) {
      const topic = topicOf(frames[0]);
      if (topic !== undefined && topics.has(topic)) {
        add(
          topic,
          encodeBlock({ kind: BlockKind.messages, count: 1, firstSeq: seq, timeMs: block.timeMs }, encodeMessage(frames)),
          seq,
          seq + 1,
          block.timeMs,
        );
        sorted.kept++;
      }
      seq++;
    }
  }
  return sorted;
}

/** Longest topic looked for: protected topics are short words. */
const MAX_TOPIC_BYTES = 32;

/** The topic of a bus message: its first frame up to `:` (or a space, or its end: `DEATH`). */
function topicOf(frame: Buffer | undefined): string | undefined {
  if (!frame) return undefined;
  const limit = Math.min(frame.length, MAX_TOPIC_BYTES + 1);
  let end = 0;
  while (end < limit && frame[end] !== 0x3a && frame[end] !== 0x20) end++;
  return end > MAX_TOPIC_BYTES ? undefined : frame.toString("latin1", 0, end);
}
