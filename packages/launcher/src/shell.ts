import { createInterface } from "node:readline";
import type { RequestHandlers } from "@roomguard/bus";
import { runCommandLine } from "./commands.js";

export interface ShellOptions {
  /** The launcher's commands (commands.ts's launcherHandlers), answered here as over `roomguard ctl`. */
  handlers: RequestHandlers;
  /** The services, named in a usage error. */
  services: () => readonly string[];
  /** Ctrl-D or Ctrl-C at the prompt. */
  onEnd: () => void;
}

/** The launcher's prompt on its terminal: the same commands as `roomguard ctl`. */
export function startShell(options: ShellOptions): { close(): void } {
  const shell = createInterface({ input: process.stdin, output: process.stdout, prompt: "roomguard> " });
  let closing = false;
  process.stdout.write('roomguard: type "help" for the commands, "quit" to stop everything\n');
  shell.prompt();
  shell.on("line", (line) => {
    void runCommandLine(line, options.handlers, options.services()).then(
      (answer) => {
        process.stdout.write(`${answer}\n`);
        if (!closing) shell.prompt();
      },
      (error: unknown) => process.stdout.write(`error: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  shell.on("SIGINT", () => options.onEnd());
  shell.on("close", () => {
    if (!closing) options.onEnd();
  });
  return {
    close() {
      closing = true;
      shell.close();
    },
  };
}
