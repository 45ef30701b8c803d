import { parseLogLine, prettyFromJson } from "@roomguard/runtime";

export interface ChildOutputOptions {
  stream: { write(text: string): unknown };
  /** A person is watching: pretty lines behind a coloured service name. Otherwise JSON lines. */
  pretty: boolean;
  colour: boolean;
  now?: () => number;
}

const PALETTE = ["\x1b[32m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[33m", "\x1b[92m", "\x1b[94m", "\x1b[95m"];

/**
 * Shows a line a service wrote. On a terminal: `keypad  │ 12:00:01.250 INFO  keypad  pressed …`.
 * Otherwise the service's JSON line as it is (it names the service already); anything else it
 * wrote (a crash's stack trace) is wrapped into a JSON line, so the output stays JSON.
 */
export function createChildOutput(options: ChildOutputOptions): (service: string, line: string) => void {
  const colours = new Map<string, string>();
  const now = options.now ?? Date.now;
  return (service, line) => {
    if (line.trim() === "") return;
    if (!options.pretty) {
      const isJson = parseLogLine(line) !== null;
      options.stream.write(
        (isJson ? line : JSON.stringify({ time: new Date(now()).toISOString(), level: "info", service, ns: "output", msg: line })) + "\n",
      );
      return;
    }
    let colour = colours.get(service);
    if (colour === undefined) {
      colour = PALETTE[colours.size % PALETTE.length] ?? "";
      colours.set(service, colour);
    }
    const name = service.padEnd(12);
    const prefix = options.colour ? `${colour}${name}│\x1b[0m ` : `${name}│ `;
    options.stream.write(`${prefix}${prettyFromJson(line, options.colour) ?? line}\n`);
  };
}
