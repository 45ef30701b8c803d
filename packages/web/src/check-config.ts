import { readFileSync } from "node:fs";
import { resolveConfigPath, type ConfigIssue, type LoadedConfig } from "@roomguard/config";
import type { CheckConfig } from "@roomguard/registry";
import { storedSecretProblem } from "@roomguard/runtime";
import { listenIssues } from "./listen-address.js";
import { checkTlsPair } from "./tls-pair.js";

/** The dashboard's part of the config check (`roomguard.service.check` once registered): it uses no pins. */
export const checkConfig: CheckConfig = (loaded) => ({ issues: webConfigIssues(loaded), hardware: [] });

/**
 * What the schema cannot see in `web`: off loopback without TLS or `insecure`, half a TLS pair,
 * TLS files this process cannot read or that are no certificate and its key, a user named twice
 * (names compare without case), a password hash no check would take.
 */
export function webConfigIssues(loaded: LoadedConfig): ConfigIssue[] {
  const { web } = loaded.config;
  const issues = listenIssues(web);
  const files: Partial<Record<"cert" | "key", Buffer>> = {};
  for (const field of ["cert", "key"] as const) {
    const file = web.tls[field];
    if (file === null) continue;
    const resolved = resolveConfigPath(loaded, file);
    try {
      files[field] = readFileSync(resolved);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      issues.push({ path: `web.tls.${field}`, message: `expected a readable file, got ${resolved} (${code})` });
    }
  }
  if (files.cert !== undefined && files.key !== undefined) {
    try {
      checkTlsPair(files.cert, files.key);
    } catch (error) {
      issues.push({ path: "web.tls", message: (error as Error).message });
    }
  }
  const names = new Map<string, number>();
  web.users.forEach((user, i) => {
    const problem = storedSecretProblem(user.password);
    if (problem !== undefined)
      issues.push({ path: `web.users[${i}].password`, message: `${problem}; \`roomguard web add-user ${user.name}\` writes a new one` });
    const first = names.get(user.name.toLowerCase());
    if (first !== undefined) issues.push({ path: `web.users[${i}].name`, message: `user "${user.name}" is also web.users[${first}]` });
    else names.set(user.name.toLowerCase(), i);
  });
  return issues;
}
