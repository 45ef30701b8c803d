// MPD's line protocol (https://mpd.readthedocs.io/en/latest/protocol.html): how a command is
// written and how an answer reads. Pure functions; the connection lives in mpd-connection.ts.

/** An answer's `key: value` lines, in order (keys repeat in lists). */
export type MpdPairs = ReadonlyArray<readonly [key: string, value: string]>;

export type MpdErrorCode =
  /** MPD answered `ACK [error@index] {command} message`. */
  | "ACK"
  /** Nothing listens at the address. */
  | "ECONNREFUSED"
  /** The socket path does not exist. */
  | "ENOENT"
  /** The connection closed, or broke, before the answer came. */
  | "ECLOSED"
  /** MPD did not answer in time: it hangs, or is not MPD. */
  | "ETIMEDOUT"
  /** The other side does not speak MPD's protocol. */
  | "EPROTO";

/** An MPD failure: `code` says which kind; for `ACK`, `ack` holds MPD's own parts. */
export class MpdError extends Error {
  constructor(
    readonly code: MpdErrorCode,
    message: string,
    readonly ack?: Ack,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "MpdError";
  }
}

/** The parts of an `ACK` line. `error` is MPD's number (50: no such song/file, 4: permission). */
export interface Ack {
  error: number;
  command: string;
  message: string;
}

export const ACK_NO_EXIST = 50;

const GREETING = /^OK MPD (\d+\.\d+\.\d+)$/;
const ACK_LINE = /^ACK \[(\d+)@\d+\] \{([^}]*)\} (.*)$/;

/** MPD's version from its greeting line, or null when the line is not MPD's greeting. */
export function parseGreeting(line: string): string | null {
  return GREETING.exec(line)?.[1] ?? null;
}

/** The parts of an `ACK …` line, or null when it is not one. */
export function parseAck(line: string): Ack | null {
  const match = ACK_LINE.exec(line);
  if (!match) return null;
  return { error: Number(match[1]), command: match[2] ?? "", message: match[3] ?? "" };
}

/** One `key: value` line. MPD's values may contain `: ` themselves; keys never do. */
export function parsePair(line: string): readonly [string, string] | null {
  const colon = line.indexOf(": ");
  return colon <= 0 ? null : [line.slice(0, colon), line.slice(colon + 2)];
}

/**
 * A command line: the name, then each argument quoted, `"` and `\` escaped, so a file name
 * with spaces or quotes arrives intact. Newlines cannot be sent at all.
 */
export function mpdCommand(name: string, ...args: ReadonlyArray<string | number>): string {
  const quoted = args.map((arg) => {
    const text = String(arg);
    if (/[\r\n]/.test(text)) throw new MpdError("EPROTO", `an MPD argument cannot contain a line break, got ${JSON.stringify(text)}`);
    return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
  });
  return [name, ...quoted].join(" ");
}

/** The answer as one object; for repeated keys the first value wins (status, currentsong, stats). */
export function pairsToRecord(pairs: MpdPairs): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of pairs) if (!(key in record)) record[key] = value;
  return record;
}

/** A list answer split into objects, each starting at `startKey` (`file` for songs, `playlist` for playlists). */
export function pairsToRecords(pairs: MpdPairs, startKey: string): Array<Record<string, string>> {
  const list: Array<Record<string, string>> = [];
  for (const [key, value] of pairs) {
    if (key === startKey) list.push({});
    const current = list.at(-1);
    if (current && !(key in current)) current[key] = value;
  }
  return list;
}
