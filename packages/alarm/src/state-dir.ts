// The alarm's state directory (alarm.stateDir) holds state.json, which is the alarm's alone
// (0600), and the audit trail, which members of the alarm user's group (roomguard on a Pi) read
// with `roomguard alarm history`: so the directory is 0750 and the audit files 0640.
import { chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, statSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@roomguard/runtime";

/** The state directory's mode: its group may list it and read the audit files, nobody else may enter. */
export const STATE_DIR_MODE = 0o750;
/** An audit file's mode: its group may read it. */
export const AUDIT_FILE_MODE = 0o640;

/** The part of a logger these files use: a problem that does not stop the alarm is logged. */
export type StorageLog = Pick<Logger, "info" | "warn" | "error">;

/**
 * Creates `dir`, and any missing parent, mode 0750 (whatever the umask), unless it exists.
 * Throws naming the directory and the cause: on a read-only disk that is EROFS (Node's
 * recursive mkdir would say ENOENT).
 */
export function makeStateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: STATE_DIR_MODE });
  } catch (error) {
    const code = codeOf(error);
    if (code === "EEXIST") return;
    const parent = path.dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    makeStateDir(parent);
    makeStateDir(dir);
    return;
  }
  chmodSync(dir, STATE_DIR_MODE); // the umask may have taken the group's bits
}

/**
 * Gives the group read permission on `file` (and search on a directory) when it lacks it, as an
 * older version left them (0700, 0600); other bits stay. Best effort: a missing file is left
 * alone, and one that cannot be changed (a read-only disk, another owner) is logged and left.
 */
export function letGroupRead(file: string, log?: StorageLog): void {
  try {
    const stat = statSync(file);
    const mode = stat.mode & 0o7777;
    const wanted = mode | 0o040 | (stat.isDirectory() ? 0o010 : 0);
    if (wanted !== mode) chmodSync(file, wanted);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return;
    log?.warn(`cannot let the group read ${file} (for roomguard alarm history): ${messageOf(error)}`, { code: codeOf(error) });
  }
}

/** Syncs a directory's entries to disk: a rename in it survives a power cut only after this. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An Error saying `what` failed and why, keeping the cause's errno code (EIO when it had none). */
export function storageError(what: string, error: unknown): Error {
  return Object.assign(new Error(`${what}: ${messageOf(error)}`, { cause: error }), { code: codeOf(error) ?? "EIO" });
}

/** An error's errno code (ENOENT, EROFS…), if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** An error's message, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
