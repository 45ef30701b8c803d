import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServiceProcess, type LogLine, type ServiceProcess } from "@roomguard/testing";

const ROUTER_MAIN = fileURLToPath(new URL("../../src/main.js", import.meta.url));

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
}

/** Starts a real router process on private ipc endpoints and waits until it listens. */
export async function startRouter(options: RouterProcessOptions = {}): Promise<RouterProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "roomguard-router-test-"));
  const journalDir = path.join(dir, "journal");
  const config = {
    ...options.config,
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock`, ...options.config?.bus },
    router: {
      statsIntervalS: 0.5,
      ...options.config?.router,
      journal: { dir: journalDir, ...(options.config?.router?.journal as object | undefined) },
    },
    log: { level: "debug", format: "json", ...options.config?.log },
  };
  const service = startServiceProcess({ name: "router", main: ROUTER_MAIN, config, dir });
  const router: RouterProcess = { ...service, journalDir, endpoints: { in: config.bus.in, out: config.bus.out } };
  if (!options.noWait) {
    const listening = await service.waitForLog((line) => line.msg === "listening");
    router.endpoints = { in: listening.in as string, out: listening.out as string };
  }
  return router;
}
