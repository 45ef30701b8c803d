import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServiceProcess, type LogLine, type ServiceProcess } from "@roomguard/testing";

export const ROUTER_MAIN = fileURLToPath(new URL("../../src/main.js", import.meta.url));

export type { LogLine };

export interface RouterProcess extends ServiceProcess {
  journalDir: string;
  endpoints: { in: string; out: string };
}

export interface RouterProcessOptions {
  /** Config sections merged over the test defaults (ipc endpoints in a fresh directory). */
  config?: Record<string, Record<string, unknown>>;
  /** Reuse this directory (and so the same ipc endpoints and journal): for restarts. */
  dir?: string;
  /** Do not wait for "listening" (for processes expected to fail). */
  noWait?: boolean;
  /** Environment variables for the router (merged over the test's). */
  env?: NodeJS.ProcessEnv;
}

/** Starts a real router process on private ipc endpoints and waits until it listens. */
export async function startRouter(options: RouterProcessOptions = {}): Promise<RouterProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "roomguard-router-test-"));
  const journalDir = path.join(dir, "journal");
  const config = routerConfig(dir, options);
  const service = startServiceProcess({ name: "router", main: ROUTER_MAIN, config, dir, ...(options.env ? { env: options.env } : {}) });
  const router: RouterProcess = { ...service, journalDir, endpoints: { in: config.bus.in, out: config.bus.out } };
  if (!options.noWait) {
    const listening = await service.waitForLog((line) => line.msg === "listening");
    router.endpoints = { in: listening.in as string, out: listening.out as string };
  }
  return router;
}

/** The test config of a router in `dir`: ipc endpoints and the journal there, stats every 0.5 s, JSON logs. */
export function routerConfig(dir: string, options: Pick<RouterProcessOptions, "config"> = {}) {
  const journalDir = path.join(dir, "journal");
  return {
    ...options.config,
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock`, ...options.config?.bus },
    router: {
      statsIntervalS: 0.5,
      ...options.config?.router,
      journal: { dir: journalDir, ...(options.config?.router?.journal as object | undefined) },
    },
    log: { level: "debug", format: "json", ...options.config?.log },
  };
}
