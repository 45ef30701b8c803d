export { BLOCK_HEADER_BYTES, segmentName } from "./format.js";
export { journalBudgetProblem } from "./budgets.js";
export { followJournal, readJournal, seqAfterRecord, type JournalRecord, type ReadOptions, type ReadProblem } from "./reader.js";
export { readJournalNewestFirst, type NewestFirstOptions, type ReadBackProgress } from "./newest-first.js";
export { renderBytes } from "./render.js";
export { listSegments, type SegmentFile } from "./segments.js";
export { JournalWriter, type JournalWriterOptions, type JournalWriterStats } from "./writer.js";
export { decodeMessages, encodeMessage, FrameFlag, scanFrames, withoutCommands, type FrameScan } from "./zmtp-frames.js";
