import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { identityOf, isProcessIdentity, isSameProcess, type ProcessIdentity } from "@roomguard/runtime";

/** What `<stateDir>/launcher.lock` says of the launcher holding it. */
export interface LockHolder {
  identity: ProcessIdentity;
  /** Its control endpoint (`launcher.control`), for the message that tells how to reach it. */
  control: string;
}

/** The state directory, held by this launcher. */
export interface StateDirLock {
  /** This launcher's identity, as the lock records it. */
  identity: ProcessIdentity;
  /** Gives the state directory back (when the lock still is this launcher's). */
  release(): void;
}

/** Another launcher, still running, holds the state directory. */
export class StateDirTakenError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    super(`another launcher (pid ${holder.identity.pid}) holds ${file}`);
    this.name = "StateDirTakenError";
  }
}

/**
 * One launcher per state directory, whatever its control endpoint: takes `file` (created
 * exclusively, holding this process's identity and control endpoint) and returns that identity
 * and how to give it back. A file left by a launcher that died — its pid gone, or now another
 * process (other start time or command line) — is taken over. Throws {@link StateDirTakenError}
 * while its launcher runs.
 */
export function lockStateDir(file: string, control: string): StateDirLock {
  const identity = identityOf(process.pid);
  if (identity === null) throw new Error("cannot read this process's own /proc entry");
  // Written aside and linked into place: the lock appears whole or not at all (link fails when it exists).
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, JSON.stringify({ identity, control } satisfies LockHolder) + "\n");
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
        const holder = readHolder(file);
        if (holder !== null && isSameProcess(holder.identity)) throw new StateDirTakenError(file, holder);
        unlinkSync(file); // its launcher is gone
      }
    }
  } finally {
    unlinkSync(mine);
  }
  return {
    identity,
    release() {
      // Only our own: never a file another launcher took after ours was given up.
      if (readHolder(file)?.identity.pid === process.pid) unlinkSync(file);
    },
  };
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as Partial<LockHolder> | null;
    return isProcessIdentity(holder?.identity) && typeof holder.control === "string"
      ? { identity: holder.identity, control: holder.control }
      : null;
  } catch {
    return null; // torn or foreign: nobody can be proven to hold it
  }
}
