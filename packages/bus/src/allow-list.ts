import { watch, type FSWatcher } from "node:fs";
import { allowedDir, HOST_KEY, publicKeyFile, readAllowed, readPublicKey, type KeyFileError } from "./curve-keys.js";

/** How often the files are looked at again, beside the watch (a watch can miss a replaced directory). */
const POLL_MS = 2000;

export interface AllowListChange {
  /** Names whose key was removed or replaced: their open connections must go. */
  revoked: string[];
  added: string[];
}

/**
 * The client keys a router lets in: this host's own (`host.key`) and every `allowed/NAME.key`
 * in the keys directory. It follows the files: `roomguard keys allow|revoke` apply without a
 * restart, and `onChange` says what was revoked so the router can close those connections.
 */
export class AllowList {
  private keys = new Map<string, string>(); // public key → name
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly keysDir: string,
    private readonly onBadFile: (error: KeyFileError) => void = () => undefined,
  ) {
    this.reload();
  }

  /** The name a key is allowed under, or undefined. */
  admit(publicKey: string): string | undefined {
    return this.keys.get(publicKey);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Reads the files again; says which names were revoked and which added. */
  reload(): AllowListChange {
    const next = new Map<string, string>();
    for (const { name, publicKey } of readAllowed(this.keysDir, this.onBadFile)) next.set(publicKey, name);
    try {
      next.set(readPublicKey(publicKeyFile(this.keysDir, HOST_KEY)), HOST_KEY);
    } catch (error) {
      this.onBadFile(error as KeyFileError);
    }
    const before = new Map([...this.keys].map(([key, name]) => [name, key]));
    const after = new Map([...next].map(([key, name]) => [name, key]));
    const revoked = [...before].filter(([name, key]) => after.get(name) !== key).map(([name]) => name);
    const added = [...after].filter(([name, key]) => before.get(name) !== key).map(([name]) => name);
    this.keys = next;
    return { revoked, added };
  }

  /** Follows the files; `onChange` is called after each change that added or revoked a key. */
  follow(onChange: (change: AllowListChange) => void): void {
    const look = (): void => {
      const change = this.reload();
      if (change.revoked.length > 0 || change.added.length > 0) onChange(change);
    };
    const soon = (): void => {
      clearTimeout(this.pending);
      this.pending = setTimeout(look, 50); // a `keys allow` writes, then renames: read once, after both
    };
    try {
      this.watcher = watch(allowedDir(this.keysDir), soon);
      this.watcher.on("error", () => undefined);
    } catch {
      // No allowed/ yet: the poll sees it when `keys allow` makes it.
    }
    this.poll = setInterval(look, POLL_MS);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.pending);
  }
}
