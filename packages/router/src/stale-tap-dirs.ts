import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { isAlive } from "@roomguard/runtime";

/** `roomguard-router-<pid>-XXXXXX`: the tap's directory carries its router's pid. */
export const TAP_DIR_PREFIX = "roomguard-router-";
// The prefix holds no regular-expression metacharacters: it goes in as it is.
const TAP_DIR = new RegExp(`^${TAP_DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);

/**
 * Removes the tap directories of routers that are gone (killed with SIGKILL, or a crash: a
 * clean stop removes its own). A directory whose router still runs, or that does not carry a
 * pid, is left alone. Returns what was removed.
 */
export async function removeStaleTapDirs(tmp: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmp).catch(() => [])) {
    const pid = Number(TAP_DIR.exec(name)?.[1] ?? 0);
    if (pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    const dir = path.join(tmp, name);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(dir);
  }
  return removed;
}
