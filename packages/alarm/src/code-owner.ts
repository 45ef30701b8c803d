import { verifySecret } from "@roomguard/runtime";
import type { CodeOwner } from "./service.js";
import type { AlarmConfig } from "./types.js";

/**
 * Whose code `code` is: every user's code and duress code is checked at once (on libuv's thread
 * pool), and the first match answers without waiting for the rest. A wrong code takes every
 * check; a right one says, by its speed, only what its typist knows already.
 */
export function findCodeOwner(code: string, users: AlarmConfig["users"]): Promise<CodeOwner> {
  const checks = users.flatMap((user) => [
    { stored: user.pin, owner: { user: user.name, role: user.role, duress: false } },
    ...(user.duressPin === undefined ? [] : [{ stored: user.duressPin, owner: { user: user.name, role: user.role, duress: true } }]),
  ]);
  return new Promise((resolve) => {
    let left = checks.length;
    if (left === 0) resolve(null);
    for (const { stored, owner } of checks)
      // A hash the config check would have refused is no match: one bad entry must not lock everybody out.
      void verifySecret(code, stored)
        .catch(() => false)
        .then((match) => {
          if (match) resolve(owner);
          else if (--left === 0) resolve(null);
        });
  });
}
