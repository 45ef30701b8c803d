import { createInterface } from "node:readline";

export interface ShellOptions {
  run: (line: string) => Promise<string>;
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
    void options.run(line).then(
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
