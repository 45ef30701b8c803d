import { createHash, randomBytes } from "node:crypto";
import type { RoomguardConfig } from "@roomguard/config";
import type { Clock } from "@roomguard/runtime";

/** A dashboard role (`web.users[].role`). */
export type Role = RoomguardConfig["web"]["users"][number]["role"];

/** Who a session belongs to, with the role the config gives that user now. */
export interface SessionUser {
  user: string;
  role: Role;
}

/** A session as kept (in memory and in the session file): never the id itself, only its hash. */
export interface SessionRecord {
  /** sha256 of the id, hex. */
  idHash: string;
  user: string;
  /** Epoch ms of the login. */
  createdAt: number;
  /** Epoch ms of the last use. */
  usedAt: number;
}

/** The session settings (`web.session`) and the most sessions kept. */
export interface SessionLimits {
  idleHours: number;
  maxDays: number;
  /** Sessions kept at once; a new login past it ends the least recently used one. Default 256. */
  maxSessions?: number;
}

/** A session id: 32 random bytes, base64url (43 characters). */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** sha256 of a session id, hex: what is stored, so a copy of the file or a memory dump logs nobody in. */
export function hashSessionId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/**
 * The logged-in sessions. An id is 256 random bits; only its hash is kept. A session ends
 * after `idleHours` unused or `maxDays` after its login, at logout, or when its user is no
 * longer in the config: the user's role is looked up on every use, so a changed role counts
 * at once.
 */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly maxSessions: number;

  constructor(
    private readonly limits: SessionLimits,
    private readonly users: RoomguardConfig["web"]["users"],
    private readonly clock: Clock,
    records: readonly SessionRecord[] = [],
  ) {
    this.maxSessions = limits.maxSessions ?? 256;
    for (const record of [...records].sort((a, b) => a.usedAt - b.usedAt)) this.keep(record);
    this.prune();
  }

  /** Starts a session for `user` (already authenticated); returns its id, for the cookie only. */
  create(user: string): string {
    const id = randomBytes(32).toString("base64url");
    const now = this.clock.now();
    this.keep({ idHash: hashSessionId(id), user, createdAt: now, usedAt: now });
    return id;
  }

  /** The session's user and current role, and marks it used; undefined for an unknown, malformed, expired or orphaned id. */
  use(id: string | undefined): SessionUser | undefined {
    const found = this.peek(id);
    if (found === undefined || id === undefined) return undefined;
    const record = this.sessions.get(hashSessionId(id));
    if (record !== undefined) this.keep({ ...record, usedAt: this.clock.now() });
    return found;
  }

  /** Like {@link use} without marking it used. */
  peek(id: string | undefined): SessionUser | undefined {
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const idHash = hashSessionId(id);
    const record = this.sessions.get(idHash);
    if (record === undefined) return undefined;
    const user = this.users.find((candidate) => candidate.name === record.user);
    if (user === undefined || this.isExpired(record)) {
      this.sessions.delete(idHash);
      return undefined;
    }
    return { user: user.name, role: user.role };
  }

  /**
   * Whether the session with this id hash still stands (an open page is closed when it does
   * not). With `touch`, a standing session is marked used: a page open on it is in use, so it
   * does not end idle while someone watches it (it still ends `maxDays` after its login).
   */
  isLive(idHash: string, options: { touch?: boolean } = {}): boolean {
    const record = this.sessions.get(idHash);
    if (record === undefined) return false;
    if (this.isExpired(record) || !this.users.some((user) => user.name === record.user)) {
      this.sessions.delete(idHash);
      return false;
    }
    if (options.touch === true) this.keep({ ...record, usedAt: this.clock.now() });
    return true;
  }

  /** Ends the session (logout); true when there was one. */
  revoke(id: string | undefined): boolean {
    return id !== undefined && ID_PATTERN.test(id) && this.sessions.delete(hashSessionId(id));
  }

  /** Seconds the session's cookie should live: to its `maxDays` end. */
  cookieMaxAgeS(): number {
    return Math.floor(this.limits.maxDays * 86_400);
  }

  /** The live sessions, oldest use first (for the session file); expired ones are dropped first. */
  records(): SessionRecord[] {
    this.prune();
    return [...this.sessions.values()];
  }

  /** How many sessions are kept. */
  get size(): number {
    return this.sessions.size;
  }

  private isExpired(record: SessionRecord): boolean {
    const now = this.clock.now();
    return now - record.usedAt >= this.limits.idleHours * 3_600_000 || now - record.createdAt >= this.limits.maxDays * 86_400_000;
  }

  /** Stores `record` as the most recently used, then ends the least recently used past the cap. */
  private keep(record: SessionRecord): void {
    this.sessions.delete(record.idHash);
    this.sessions.set(record.idHash, record);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  private prune(): void {
    const known = new Set(this.users.map((user) => user.name));
    for (const [idHash, record] of this.sessions) if (this.isExpired(record) || !known.has(record.user)) this.sessions.delete(idHash);
  }
}
