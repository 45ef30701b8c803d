// The sessions on disk, so a restart (the launcher's after a crash, a kill -9) keeps the page
// logged in. Only the ids' sha256 is stored: the file, a backup of it or a bug report logs
// nobody in. A file that cannot be read costs a login, never a start.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@roomguard/runtime";
import type { SessionRecord } from "./sessions.js";

/** The file's name in `web.stateDir`. */
export const SESSION_FILE = "sessions.json";
/** 256 sessions are ~40 KB; anything far bigger is not ours and is not read into memory. */
const MAX_BYTES = 1024 * 1024;

/** The session file in one directory. */
export interface SessionFile {
  /** The stored sessions; [] when there is no file or it is unreadable (logged). */
  load(): SessionRecord[];
  /** Stores `records` atomically: a tmp file mode 0600, fsync, rename. Throws naming the file when it cannot. */
  save(records: readonly SessionRecord[]): void;
}

/** Opens `dir`/sessions.json; the directory is made mode 0700 when missing. */
export function openSessionFile(dir: string, log: Logger): SessionFile {
  const file = path.join(dir, SESSION_FILE);
  const tmp = `${file}.tmp`;
  return {
    load() {
      let text: string;
      try {
        if (statSync(file).size > MAX_BYTES) throw Object.assign(new Error(`larger than ${MAX_BYTES} bytes`), { code: "EFBIG" });
        text = readFileSync(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT")
          log.warn(`cannot read ${file}: everyone logs in again`, { error: (error as Error).message });
        return [];
      }
      try {
        const parsed = JSON.parse(text) as { sessions?: unknown };
        if (!Array.isArray(parsed.sessions)) throw new Error("no sessions list");
        return parsed.sessions.filter(isRecord);
      } catch (error) {
        log.warn(`${file} is not a session file: everyone logs in again`, { error: (error as Error).message });
        return [];
      }
    },
    save(records) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(tmp, "w", 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ version: 1, sessions: records })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    },
  };
}

/** One stored session, checked field by field (the file may have been edited by hand). */
function isRecord(value: unknown): value is SessionRecord {
  if (typeof value !== "object" || value === null) return false;
  const { idHash, user, createdAt, usedAt } = value as Record<string, unknown>;
  return (
    typeof idHash === "string" &&
    /^[0-9a-f]{64}$/.test(idHash) &&
    typeof user === "string" &&
    user.length <= 32 &&
    Number.isFinite(createdAt) &&
    Number.isFinite(usedAt)
  );
}
