import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import { journalBudgetProblem } from "@roomguard/journal";
import type { CheckConfig } from "@roomguard/registry";

/**
 * The router's part of the config check (`roomguard.service.check`, run by `roomguard check`
 * and the launcher; main.ts runs it too): what the schema cannot check, sizes that must fit together.
 */
export const checkConfig: CheckConfig = ({ config }) => ({
  issues: routerConfigIssues(config),
  hardware: [],
});

/** Its hardware, for the other services' start checks (the registry's `hardwareOf`): none, so they skip the journal's sizes. */
export const hardwareOf = (): [] => [];

export function routerConfigIssues(config: RoomguardConfig): ConfigIssue[] {
  const { journal } = config.router;
  const problem = journal.enabled ? journalBudgetProblem(journal) : undefined;
  return problem ? [{ path: "router.journal.maxBytes", message: problem }] : [];
}
