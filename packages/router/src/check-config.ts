import { curveKeyIssue, hostClientKeys, KeyFileError, keysDirOf, needsCurve, routerServerKeys } from "@roomguard/bus";
import type { ConfigIssue, LoadedConfig, RoomguardConfig } from "@roomguard/config";
import { journalBudgetProblem } from "@roomguard/journal";
import type { CheckConfig } from "@roomguard/registry";

/**
 * The router's part of the config check (`roomguard.service.check`, run by `roomguard check`
 * and the launcher; main.ts runs it too): what the schema cannot check, sizes that must fit together.
 */
export const checkConfig: CheckConfig = (loaded) => ({
  issues: [...routerConfigIssues(loaded.config), ...curveKeyIssues(loaded)],
  hardware: [],
});

/**
 * A LAN bus.in or bus.out is CURVE: the router needs its pair, and this host's programs theirs
 * and the router's public key. Each unusable file is named, with the fix.
 */
export function curveKeyIssues(loaded: LoadedConfig): ConfigIssue[] {
  const { bus } = loaded.config;
  const lan = [bus.in, bus.out].find(needsCurve);
  if (lan === undefined) return [];
  const issues: ConfigIssue[] = [];
  for (const read of [routerServerKeys, hostClientKeys]) {
    try {
      read(keysDirOf(loaded));
    } catch (error) {
      if (!(error instanceof KeyFileError)) throw error;
      issues.push(curveKeyIssue(lan, error));
    }
  }
  return issues;
}

/** Its hardware, for the other services' start checks (the registry's `hardwareOf`): none, so they skip the journal's sizes. */
export const hardwareOf = (): [] => [];

export function routerConfigIssues(config: RoomguardConfig): ConfigIssue[] {
  const { journal } = config.router;
  const problem = journal.enabled ? journalBudgetProblem(journal) : undefined;
  return problem ? [{ path: "router.journal.maxBytes", message: problem }] : [];
}
