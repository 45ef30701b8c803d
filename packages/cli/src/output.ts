import { renderBytes } from "@roomguard/journal";

/** Where a command writes: stdout for results, stderr for notes and errors. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

/** `11:52:01.123` in local time. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `2026-11-22 11:52:01.123` in local time. */
export function dateTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clockTime(ms)}`;
}

/** Frames as one printable line; a multi-frame message shows its frames joined by ` | `. */
export function renderFrames(frames: readonly Uint8Array[]): string {
  return frames.map((frame) => renderBytes(frame)).join(" | ");
}
