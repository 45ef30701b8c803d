import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { BusClient } from "@roomguard/bus";
import { waitUntil } from "@roomguard/runtime/testing";
import { routerMain } from "./router-main.js";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";

export interface BusRig {
  dir: string;
  endpoints: { in: string; out: string };
  /** A client of the test's own, connected to the router. */
  client: BusClient;
  /** Starts a service's main.js with these config sections over the rig's bus (JSON logs, 0.2 s heartbeats). */
  service(name: string, main: string, config: Record<string, unknown>): ServiceProcess;
  /** Waits until somebody's subscription covering `text` reached the router. */
  wanted(text: string, timeoutMs?: number): Promise<void>;
}

/**
 * For a test file: a real router on private ipc endpoints, a connected client, and service
 * processes on demand, all stopped when the file's tests end.
 */
export async function busRig(): Promise<BusRig> {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-rig-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  const log = { level: "debug", format: "json" };
  const processes: ServiceProcess[] = [];
  const router = startServiceProcess({
    name: "router",
    main: routerMain(),
    dir,
    config: { bus: endpoints, router: { journal: { enabled: false } }, log },
  });
  processes.push(router);
  const client = new BusClient(endpoints);
  after(async () => {
    await client.close();
    await Promise.all(processes.map((child) => child.stop("SIGKILL")));
  });
  await router.waitForLog((line) => line.msg === "listening");
  await client.waitForRouter();
  return {
    dir,
    endpoints,
    client,
    service(name, main, config) {
      const child = startServiceProcess({ name, main, config: { bus: { ...endpoints, heartbeatIntervalS: 0.2 }, log, ...config } });
      processes.push(child);
      return child;
    },
    async wanted(text, timeoutMs = 5000) {
      await waitUntil(() => client.wants(text), { what: `a subscription covering "${text}" at the router`, timeoutMs, intervalMs: 5 });
    },
  };
}
