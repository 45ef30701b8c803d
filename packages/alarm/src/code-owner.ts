import { verifySecret } from "@roomguard/runtime";
import type { CodeOwner } from "./service.js";
import type { AlarmConfig } from "./types.js";

/**
 * Whose code `code` is: every user's code and duress code is checked, all of them every time
 * (concurrently, on libuv's thread pool), so the time taken says nothing about which matched.
 */
export async function findCodeOwner(code: string, users: AlarmConfig["users"]): Promise<CodeOwner> {
  const checks = users.flatMap((user) => [
    verifySecret(code, user.pin).then((ok) => (ok ? { user: user.name, role: user.role, duress: false } : null)),
    ...(user.duressPin === undefined
      ? []
      : [verifySecret(code, user.duressPin).then((ok) => (ok ? { user: user.name, role: user.role, duress: true } : null))]),
  ]);
  return (await Promise.all(checks)).find((owner) => owner !== null) ?? null;
}
