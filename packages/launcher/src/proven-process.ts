import { readlinkSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { readCommandLine } from "@roomguard/runtime";

// A pid in a bus message is only a number anyone could have typed. These read /proc to tell
// whether the process behind it really is what the message says: nothing is adopted or
// signalled on the word of a message alone.

/**
 * The script a Node.js command line runs (`node [options] <script> …`), as an absolute path
 * resolved against the process's working directory; null when it is not a node process, has no
 * script, or /proc may not be read (another user's process).
 */
function scriptOf(pid: number, argv: readonly string[] | null): string | null {
  if (argv === null || argv.length < 2 || !/^node/.test(path.basename(argv[0] ?? ""))) return null;
  const script = argv.slice(1).find((arg) => !arg.startsWith("-"));
  if (script === undefined) return null;
  try {
    return path.resolve(readlinkSync(`/proc/${pid}/cwd`), script);
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is a live process of this user that runs `main` (a service's or the launcher's
 * main.js) with node — started by a launcher or by hand, from any directory or through a
 * symlinked release path. Never pid 1 or below, nor this process. `commandLine` is its command
 * line when the caller has just read it (read here otherwise).
 */
export function runsProgram(pid: number, main: string, commandLine?: readonly string[]): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isOwnUsers(pid)) return false;
  const script = scriptOf(pid, commandLine ?? readCommandLine(pid));
  return script !== null && samePath(script, main);
}

function isOwnUsers(pid: number): boolean {
  try {
    return statSync(`/proc/${pid}`).uid === process.getuid?.();
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
