// Disk failures for the state directory's tests: root makes a read-only or tiny disk in a private
// mount namespace (as an SD card remounted read-only, or full), so nothing outside the test sees it.
import { execFile, spawn } from "node:child_process";

/** True when the tests run as root: then they can mount, and run a reader as another user. */
export const isRoot = process.getuid?.() === 0;

/**
 * Runs `mount` (a shell command on "$1" = dir) then node with the module `script`, in a private
 * mount namespace (root only); with `mount` null, runs the script as it is. Its stdout lines as JSON.
 */
export async function inMountNamespace(mount: string | null, dir: string, script: string): Promise<unknown[]> {
  const shell = `${mount ?? "true"} && exec "$2" --input-type=module -e "$3"`;
  const command = mount === null ? ["sh"] : ["unshare", "-m", "--propagation", "private", "sh"];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      command[0] ?? "sh",
      [...command.slice(1), "-c", shell, "sh", dir, process.execPath, script],
      { timeout: 20_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as unknown);
}

/** Runs the module `script` as another user (root only) and resolves with its stdout lines as JSON. */
export function runAs(uid: number, gid: number, script: string): Promise<unknown[]> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    uid,
    gid,
    cwd: "/",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 20_000,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) =>
    child.on("exit", () =>
      resolve(
        output
          .trim()
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as unknown),
      ),
    ),
  );
}

/** A module script's logger: each line printed as {level, message}. */
export const PRINTING_LOG = `{
  info: (message) => console.log(JSON.stringify({ level: "info", message })),
  warn: (message) => console.log(JSON.stringify({ level: "warn", message })),
  error: (message) => console.log(JSON.stringify({ level: "error", message })),
}`;
