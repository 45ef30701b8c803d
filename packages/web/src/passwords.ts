import { randomBytes } from "node:crypto";
import type { RoomguardConfig } from "@roomguard/config";
import { hashSecret, verifySecret, type ScryptCost } from "@roomguard/runtime";
import type { SessionUser } from "./sessions.js";

/** What a password check answers: the user and role, `null` for a wrong name or password, `"busy"` when too many wait. */
export type PasswordVerdict = SessionUser | null | "busy";

/** Checks a name and password against `web.users`. */
export type CheckPassword = (name: string, password: string) => Promise<PasswordVerdict>;

/**
 * A password check over `users`. An unknown name is checked against a decoy hash made at the
 * same scrypt cost as the users' own, so its answer takes as long as a wrong password's and
 * says nothing about which names exist. At most `concurrent` checks run at once (each takes
 * 128·r·N bytes: 16 MiB at N = 2^14) and `waiting` more queue; past that the answer is
 * "busy" (503) rather than unbounded memory.
 */
export async function createPasswordCheck(
  users: RoomguardConfig["web"]["users"],
  options: { concurrent?: number; waiting?: number } = {},
): Promise<CheckPassword> {
  const concurrent = options.concurrent ?? 2;
  const waiting = options.waiting ?? 32;
  const secret = randomBytes(16).toString("base64");
  // A cost out of bounds (the config check names that hash) falls back to the default one.
  const decoy = await hashSecret(secret, costOf(users[0]?.password)).catch(() => hashSecret(secret));
  let running = 0;
  const queue: (() => void)[] = [];

  const verify = async (password: string, stored: string): Promise<boolean> => {
    if (running >= concurrent) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      // A hash the config check refuses is no match, not a crash.
      return await verifySecret(password, stored).catch(() => false);
    } finally {
      running--;
      queue.shift()?.();
    }
  };

  return async (name, password) => {
    if (running + queue.length >= concurrent + waiting) return "busy";
    const user = users.find((candidate) => candidate.name === name);
    const match = await verify(password, user?.password ?? decoy);
    return match && user !== undefined ? { user: user.name, role: user.role } : null;
  };
}

/** The scrypt cost in a stored hash (`scrypt$N$r$p$…`), or undefined (the default cost) when there is none. */
function costOf(stored: string | undefined): Partial<ScryptCost> | undefined {
  const [kind, N, r, p] = stored?.split("$") ?? [];
  if (kind !== "scrypt") return undefined;
  return { N: Number(N), r: Number(r), p: Number(p) };
}
