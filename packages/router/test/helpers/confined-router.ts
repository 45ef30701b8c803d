import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { watchServiceOutput, type LogLine } from "@roomguard/testing";
import { ROUTER_MAIN, routerConfig, type RouterProcessOptions } from "./router-process.js";

/** Whether this process may make mount namespaces and mount file systems (root, as on the CI machine). */
export const canMount = process.getuid?.() === 0;

export interface ConfinedRouter {
  dir: string;
  journalDir: string;
  endpoints: { in: string; out: string };
  lines: LogLine[];
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** A path of the router's own view of the file system (its mounts), for the test to look at. */
  seen(file: string): string;
}

/**
 * Starts a router in a private mount namespace, after `setup` (shell commands, `$JOURNAL`
 * being its journal directory) has mounted what the test needs there: a tiny tmpfs for a full
 * disk, a read-only bind mount. The mounts go with the namespace; the router (and unshare)
 * are killed when the test file ends.
 */
export async function startConfinedRouter(setup: string, options: Pick<RouterProcessOptions, "config"> = {}): Promise<ConfinedRouter> {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-router-confined-"));
  const config = routerConfig(dir, options);
  const configFile = path.join(dir, "router.yaml");
  writeFileSync(configFile, JSON.stringify(config));
  const script = `set -e; mkdir -p "$JOURNAL"; ${setup}; exec "$NODE" "$ROUTER" --config "$CONFIG"`;
  const child = spawn("unshare", ["--mount", "--propagation", "private", "--fork", "--kill-child", "sh", "-c", script], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ROOMGUARD_CONFIG: "",
      JOURNAL: config.router.journal.dir,
      NODE: process.execPath,
      ROUTER: ROUTER_MAIN,
      CONFIG: configFile,
    },
  });
  const { lines, waitForLog, stop } = watchServiceOutput(child, "confined router");
  after(() => stop("SIGKILL"));
  const starting = await waitForLog((line) => line.msg === "starting");
  await waitForLog((line) => line.msg === "listening");
  const pid = starting.pid as number;
  return {
    dir,
    journalDir: config.router.journal.dir,
    endpoints: { in: config.bus.in, out: config.bus.out },
    lines,
    waitForLog,
    seen: (file) => path.join(`/proc/${pid}/root`, file),
  };
}
