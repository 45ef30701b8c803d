/** One thing wrong with the config: where, and what was expected against what came. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `router.journal.maxBytes`; empty for the file as a whole. */
  path: string;
  /** "expected …, got …" */
  message: string;
  /** Where the value came from: the file (with line when known) or an environment variable. */
  source?: string;
}

/**
 * The config cannot be used. `main.ts` turns this into exit code 78 (EX_CONFIG), so a
 * service manager does not restart-loop on it.
 */
export class ConfigError extends Error {
  readonly code = "ECONFIG";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], file?: string | null) {
    const where = file ? ` in ${file}` : "";
    super(`invalid config${where}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const path = issue.path ? `${issue.path}: ` : "";
  const source = issue.source ? ` (${issue.source})` : "";
  return `${path}${issue.message}${source}`;
}
