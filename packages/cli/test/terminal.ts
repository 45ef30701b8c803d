// A command run on a terminal (util-linux script(1) gives it one), as a person types into it.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitUntil } from "@roomguard/testing";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));

export interface Terminal {
  /** Waits until the terminal shows `text`; fails with everything it shows. */
  shown(text: string): Promise<void>;
  /** Types `text` (a line ends with `\r`, as Enter sends). */
  type(text: string): void;
  /** The exit code, once it ends. */
  exited: Promise<number | null>;
  /** Everything the terminal showed so far. */
  output(): string;
}

/** `roomguard <args>` on a terminal in `cwd`; the child joins `children` (the test kills what is left) until it exits. */
export function onTerminal(args: string[], cwd: string, children: Set<ChildProcess>): Terminal {
  const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;
  const line = [process.execPath, CLI, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qfec", line, "/dev/null"], { cwd, env: { ...process.env, ROOMGUARD_CONFIG: "", NO_COLOR: "1" } });
  children.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return {
    async shown(text) {
      await waitUntil(() => output.includes(text), { what: `"${text}" on the terminal`, timeoutMs: 10_000 }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; it shows:\n${output}`);
      });
    },
    type: (text) => void child.stdin.write(text),
    exited,
    output: () => output,
  };
}
