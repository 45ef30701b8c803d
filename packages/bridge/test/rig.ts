// Two appliances' buses for the bridge's tests: each a real router bound on an address of its own
// that is not loopback (so CURVE, with its own keys directory: router.key, host.key, allowed/), and
// service processes on each with that appliance's config and keys. The addresses exist only in the
// network namespace two-pis.test.ts makes for two-pis.inner.ts: nothing listens on the host's
// interfaces.
import { mkdirSync, mkdtempSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { allowKey, BusClient, createKeyPair, hostClientKeys, type CurvePair } from "@roomguard/bus";
import { findServices } from "@roomguard/registry";
import { freePort, startServiceProcess, waitUntil, type ServiceProcess } from "@roomguard/testing";

export const HEARTBEAT_S = 0.2;

/** The two appliances' addresses: on the loopback device of the namespace two-pis.test.ts makes (`ip addr add 10.99.0.N/32 dev lo`). */
export const ADDRESS = { a: "10.99.0.1", b: "10.99.0.2" } as const;

/** What the rig started, stopped by {@link stopAll} (a describe's `after`: node:test runs an `after` registered in a `before` at once). */
const closers: (() => Promise<unknown> | void)[] = [];

/** Stops every process and client the rig started. */
export async function stopAll(): Promise<void> {
  await Promise.all(closers.splice(0).map(async (close) => close()));
}

/** The compiled main.js of a service, as the registry knows it (tests start real processes). */
export function mainOf(service: string): string {
  const entry = findServices().find((candidate) => candidate.name === service);
  if (!entry) throw new Error(`no service "${service}" in the registry`);
  return entry.main;
}

export interface Appliance {
  room: string;
  dir: string;
  keys: string;
  host: CurvePair;
  router: CurvePair;
  /** Where this bus listens (its address, not loopback: CURVE), and where another Pi's bridge connects to it (the same). */
  bus: { in: string; out: string };
  reach: { in: string; out: string };
  /** A client of the test's own on this bus (this host's key). */
  client: BusClient;
  /** Starts (or starts again, on the same ports) this bus's router. */
  startRouter(): Promise<ServiceProcess>;
  routerProcess(): ServiceProcess | undefined;
  /** Starts a service with this appliance's bus and keys and these config sections. */
  service(name: string, config: Record<string, unknown>): ServiceProcess;
  /** The bridge's config entry for this appliance as a remote of another. */
  asRemote(extra?: Record<string, unknown>): Record<string, unknown>;
}

const log = { level: "debug", format: "json" };

/**
 * One appliance: keys, a router on two free ports of `address` (one of {@link ADDRESS}), a test
 * client. Stopped after the file's tests. Rejects where `address` is not this host's (outside the
 * namespace).
 */
export async function appliance(room: string, address: string, options: { maxMessageSize?: number } = {}): Promise<Appliance> {
  const local = Object.values(networkInterfaces()).some((entries) => entries?.some((entry) => entry.address === address));
  if (!local) throw new Error(`expected ${address} on an interface: run two-pis.inner.js through two-pis.test.js (its network namespace)`);
  const dir = mkdtempSync(path.join(tmpdir(), `roomguard-bridge-${room}-`));
  const keys = path.join(dir, "keys");
  mkdirSync(keys, { mode: 0o700 });
  const router = createKeyPair(keys, "router");
  const host = createKeyPair(keys, "host");
  const [portIn, portOut] = [await freePort(), await freePort()];
  // Nothing else runs in the namespace: a port free on its loopback is free on `address`.
  const bus = { in: `tcp://${address}:${portIn}`, out: `tcp://${address}:${portOut}` };
  const reach = bus;
  const busConfig = {
    ...bus,
    keys,
    heartbeatIntervalS: HEARTBEAT_S,
    ...(options.maxMessageSize ? { maxMessageSize: options.maxMessageSize } : {}),
  };
  const processes: ServiceProcess[] = [];
  let routerProcess: ServiceProcess | undefined;
  const client = new BusClient({ ...bus, curve: hostClientKeys(keys) });
  closers.push(async () => {
    await client.close();
    await Promise.all(processes.map((child) => child.stop("SIGKILL")));
  });
  const self: Appliance = {
    room,
    dir,
    keys,
    host,
    router,
    bus,
    reach,
    client,
    async startRouter() {
      routerProcess = startServiceProcess({
        name: `router-${room}`,
        main: mainOf("router"),
        dir: mkdtempSync(path.join(dir, "router-")),
        config: { bus: busConfig, router: { journal: { enabled: false } }, log },
      });
      processes.push(routerProcess);
      await routerProcess.waitForLog((line) => line.msg === "listening", 10_000);
      return routerProcess;
    },
    routerProcess: () => routerProcess,
    service(name, config) {
      const child = startServiceProcess({
        name: `${name}-${room}`,
        main: mainOf(name),
        dir: mkdtempSync(path.join(dir, `${name}-`)),
        config: { bus: busConfig, log, ...config },
      });
      processes.push(child);
      return child;
    },
    asRemote(extra = {}) {
      return { name: room, ...reach, routerKey: router.publicKey, ...extra };
    },
  };
  await self.startRouter();
  await client.waitForRouter(10_000);
  return self;
}

/** Lets each appliance's host key in at the other's router (`roomguard keys allow <room> <host.key>` on each). */
export function allowEachOther(a: Appliance, b: Appliance): void {
  allowKey(a.keys, b.room, b.host.publicKey);
  allowKey(b.keys, a.room, a.host.publicKey);
}

/** Every message a subscription brings, as text, collected until the test file ends. */
export function collect(client: BusClient, ...prefixes: string[]): string[] {
  const seen: string[] = [];
  const subscription = client.subscribe(...prefixes);
  closers.push(() => subscription.close());
  void (async () => {
    for await (const message of subscription) seen.push(message.text);
  })();
  return seen;
}

/** Publishes `text` every 50 ms until `seen` has a message matching `match` (a link that is still connecting drops what it is sent). */
export async function publishUntil(
  client: BusClient,
  text: string,
  seen: string[],
  match: (text: string) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  await waitUntil(
    async () => {
      await client.publish(text);
      return seen.some(match);
    },
    { what, timeoutMs, intervalMs: 50 },
  );
}
