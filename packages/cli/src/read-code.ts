import { createInterface } from "node:readline";
import type { ReadStream } from "node:tty";

/** The person at the terminal cancelled code entry (Ctrl-C, Ctrl-D), or the command was stopped. */
export class CodeEntryCancelled extends Error {
  readonly code = "ECANCELLED";
  constructor(message = "cancelled") {
    super(message);
    this.name = "CodeEntryCancelled";
  }
}

/** Reads codes: hidden from a terminal, or one line each from a pipe (for scripts). */
export interface CodeReader {
  /** Whether codes come from a person at a terminal (prompted) rather than from a pipe. */
  readonly interactive: boolean;
  /** The next code. Rejects with {@link CodeEntryCancelled}, or an Error when a pipe ends first (`what` names the line). */
  read(prompt: string, what: string): Promise<string>;
  /** Stops reading standard input (a terminal is back in the mode it was in). */
  close(): void;
}

/** Longest entry kept: far beyond any code, so that a stuck key cannot grow it for ever. */
const MAX_ENTRY = 256;

/**
 * A code reader on `stdin`. On a terminal the input is put in raw mode, so nothing is echoed, not
 * even a mask per digit (the length of a code is a secret too); backspace and Ctrl-U edit, Enter
 * ends, Ctrl-C or Ctrl-D on an empty entry cancels. Prompts go to `prompt` (standard error, so
 * that standard output stays the command's result). Otherwise each code is one line of `stdin`.
 */
export function codeReader(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
  prompt: (text: string) => void,
  signal: AbortSignal,
): CodeReader {
  if (stdin.isTTY === true && typeof (stdin as Partial<ReadStream>).setRawMode === "function") {
    return terminalReader(stdin as ReadStream, prompt, signal);
  }
  return pipeReader(stdin);
}

function terminalReader(input: ReadStream, prompt: (text: string) => void, signal: AbortSignal): CodeReader {
  // Keys typed (or pasted) after an Enter belong to the next code.
  let pending = "";
  return {
    interactive: true,
    read(text) {
      const wasRaw = input.isRaw;
      // Raw before the prompt: a key typed as soon as the prompt shows must not be echoed by the terminal.
      input.setRawMode(true);
      prompt(text);
      return new Promise<string>((resolve, reject) => {
        let entry = "";
        const finish = (settle: () => void): void => {
          input.off("data", onData);
          input.off("end", onEnd);
          signal.removeEventListener("abort", onAbort);
          input.setRawMode(wasRaw);
          input.pause();
          prompt("\n");
          settle();
        };
        const take = (keys: string): void => {
          for (let i = 0; i < keys.length; i++) {
            const key = keys[i] ?? "";
            if (key === "\u001b") {
              i = escapeEnd(keys, i);
              continue;
            }
            if (key === "\r" || key === "\n") {
              pending = keys.slice(i + 1).replace(/^\n/, "");
              return finish(() => resolve(entry));
            }
            if (key === "\u0003" || (key === "\u0004" && entry === "")) return finish(() => reject(new CodeEntryCancelled()));
            if (key === "\u007f" || key === "\b") entry = entry.slice(0, -1);
            else if (key === "\u0015") entry = "";
            else if (key >= " " && entry.length < MAX_ENTRY) entry += key;
          }
        };
        const onData = (chunk: Buffer | string): void => take(chunk.toString());
        const onEnd = (): void => finish(() => reject(new CodeEntryCancelled("cancelled: the terminal closed")));
        const onAbort = (): void => finish(() => reject(new CodeEntryCancelled()));
        if (signal.aborted) return onAbort();
        input.on("data", onData);
        input.once("end", onEnd);
        signal.addEventListener("abort", onAbort, { once: true });
        input.resume();
        const early = pending;
        pending = "";
        if (early !== "") take(early);
      });
    },
    close() {
      input.pause();
    },
  };
}

function pipeReader(stdin: NodeJS.ReadableStream): CodeReader {
  const lines = createInterface({ input: stdin, terminal: false, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    interactive: false,
    async read(_prompt, what) {
      const next = await iterator.next();
      if (next.done === true) throw new Error(`expected ${what} on a line of standard input, got the end of it`);
      return next.value.replace(/\r$/, "");
    },
    close() {
      lines.close();
    },
  };
}

/** Where the terminal escape sequence (an arrow or function key: never part of a code) starting at `start` ends. */
function escapeEnd(keys: string, start: number): number {
  const next = keys[start + 1];
  if (next === "O") return start + 2;
  if (next !== "[") return start + (next === undefined ? 0 : 1);
  let i = start + 2;
  // CSI: parameters, then one final byte from @ to ~.
  while (i < keys.length && !/[@-~]/.test(keys[i] ?? "")) i++;
  return i;
}

/** 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C; a command whose code entry was cancelled exits with it. */
export const CANCELLED_EXIT = 130;

/**
 * A {@link codeReader} on `stdin` opened when the first code is asked for, so that a command that
 * asks for none leaves standard input alone. Prompts go to standard error.
 */
export function lazyCodeReader(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, signal: AbortSignal): CodeReader {
  let opened: CodeReader | undefined;
  const open = (): CodeReader => (opened ??= codeReader(stdin, (text) => void process.stderr.write(text), signal));
  return {
    get interactive() {
      return open().interactive;
    },
    read: (prompt, what) => open().read(prompt, what),
    close: () => opened?.close(),
  };
}

/** What to ask for twice: the prompts, what the entry is (for a pipe that ends early), and the rule it must meet. */
export interface TwiceAsked {
  /** `code for anna: ` */
  prompt: string;
  /** `the code for anna` */
  what: string;
  /** `the same code again: ` */
  againPrompt: string;
  /** Why an entry is refused ("expected …"), or undefined; checked before the second is asked for. */
  problem(entry: string): string | undefined;
  /** What to say when the two differ: `the two codes differ`. */
  differ: string;
}

/**
 * Asks for a secret twice (without echo on a terminal, two lines of a pipe): the secret, or why it
 * was refused (the rule it broke, or that the two differ; never the secret itself). Rejects as
 * {@link CodeReader.read} does.
 */
export async function readTwice(reader: CodeReader, asked: TwiceAsked): Promise<{ secret: string } | { refused: string }> {
  const secret = await reader.read(asked.prompt, asked.what);
  const problem = asked.problem(secret);
  if (problem !== undefined) return { refused: problem };
  const again = await reader.read(asked.againPrompt, `${asked.what} again`);
  return again === secret ? { secret } : { refused: asked.differ };
}
