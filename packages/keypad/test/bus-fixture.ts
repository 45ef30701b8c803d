import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { BusClient } from "@roomguard/bus";
import { startServiceProcess, type ServiceProcess } from "@roomguard/runtime/testing";
import { until } from "./helpers.js";

const ROUTER_MAIN = fileURLToPath(import.meta.resolve("@roomguard/router/main"));
export const KEYPAD_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

export interface KeypadRig {
  dir: string;
  endpoints: { in: string; out: string };
  /** A client of the test's own, connected to the router. */
  client: BusClient;
  /** Starts a keypad process with these config sections over the rig's bus. */
  keypad(config: Record<string, unknown>, env?: NodeJS.ProcessEnv): ServiceProcess;
  /** Waits until the keypad's subscription to `SIM:` reached the router. */
  keypadListening(): Promise<void>;
}

/**
 * A real router on private ipc endpoints, a bus client, and keypad processes on demand; all
 * stopped when the test file ends.
 */
export async function keypadRig(): Promise<KeypadRig> {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-keypad-test-"));
  const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
  const log = { level: "debug", format: "json" };
  const processes: ServiceProcess[] = [];
  const router = startServiceProcess({
    name: "router",
    main: ROUTER_MAIN,
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
    keypad(config, env) {
      const keypad = startServiceProcess({
        name: "keypad",
        main: KEYPAD_MAIN,
        config: { bus: { ...endpoints, heartbeatIntervalS: 0.2 }, log, ...config },
        env,
      });
      processes.push(keypad);
      return keypad;
    },
    keypadListening: () => until("the keypad's SIM: subscription", () => client.wants("SIM: press X")),
  };
}
