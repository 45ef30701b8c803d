import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { Publisher } from "zeromq";
import { BusClient, isServerErrorCode, parseSubject, request, RequestError, type BusMessage, type Subscription } from "@roomguard/bus";
import { findProcesses } from "@roomguard/runtime";
import { freePort, makeTracks, nextMatching, startServiceProcess, TestMpdClient, waitUntil, type ServiceProcess } from "@roomguard/testing";
import { parseCommandLine, renderError, renderResult } from "../src/control.js";

export { isAlive } from "@roomguard/runtime";
/** Every process whose command line mentions `dir` (the services, the private mpd): what a test must not leave behind. */
export const processesUsing = findProcesses;

export const LAUNCHER_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

/** The whole appliance's config for a test: private ipc endpoints, fast heartbeats, a door, a private mpd. */
export async function applianceConfig(dir: string, tracks: number): Promise<Record<string, unknown>> {
  if (tracks > 0)
    makeTracks(
      path.join(dir, "music"),
      Array.from({ length: tracks }, (_, i) => ({ file: `${i + 1}.mp3`, title: `Track ${i + 1}`, seconds: 20 })),
    );
  return {
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock`, heartbeatIntervalS: 0.5 },
    router: { journal: { enabled: false } },
    hardware: { backend: "sim" },
    sensors: [{ id: "front", kind: "door", pin: 25 }],
    music: { mpd: { spawn: true, port: await freePort(), musicDir: `${dir}/music`, stateDir: `${dir}/mpd` } },
    alarm: { requests: `ipc://${dir}/alarm.sock`, stateDir: `${dir}/alarm` },
    // Port 0: never the 8080 of an `npm start` on the same machine.
    web: { listen: "127.0.0.1:0", stateDir: `${dir}/web` },
    launcher: {
      control: `ipc://${dir}/ctl.sock`,
      stateDir: `${dir}/launcher`,
      // Generous on a loaded two-core test machine: a late heartbeat must not look like a hang.
      missedHeartbeats: 6,
      restartDelayS: 0.5,
      maxRestartDelayS: 2,
      stopTimeoutS: 4,
    },
    log: { level: "info", format: "json" },
  };
}

/** A directory for one appliance; whatever still runs from it when the test ends is killed. */
export function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-appliance-"));
  after(() => {
    for (const pid of findProcesses(dir)) process.kill(pid, "SIGKILL");
  });
  return dir;
}

export function startLauncher(dir: string, config: Record<string, unknown>, env?: NodeJS.ProcessEnv): ServiceProcess {
  return startServiceProcess({ name: "launcher", main: LAUNCHER_MAIN, dir, config, ...(env ? { env } : {}) });
}

/**
 * One `roomguard ctl` round trip: the launcher's answer as ctl shows it, a refusal included. A
 * launcher not listening yet is asked again until `timeoutMs`.
 */
export async function ctl(dir: string, line: string, timeoutMs = 10_000): Promise<string> {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return parsed.usage;
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const result = await request(`ipc://${dir}/ctl.sock`, parsed.request.command, parsed.request.args, {
        timeoutMs: Math.max(1, end - Date.now()),
        service: "launcher",
      });
      return renderResult(parsed.request, result);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      if (isServerErrorCode(error.code)) return renderError(parsed.request, { code: error.code, message: error.reason });
      if (error.code !== "no-service" || Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * A launcher on `config` that has started every service, and a bus client on its router (not yet
 * waited for: subscribe first, then `waitForRouter`); both end with the test.
 */
export async function startedAppliance(
  dir: string,
  config: Record<string, unknown>,
): Promise<{ launcher: ServiceProcess; bus: BusClient }> {
  const launcher = startLauncher(dir, config);
  after(() => launcher.stop("SIGKILL"));
  await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
  const bus = busClient(dir);
  after(() => bus.close());
  return { launcher, bus };
}

export function busClient(dir: string): BusClient {
  return new BusClient({ in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` });
}

/** Skips messages until one matches; fails naming what was awaited (20 s: the whole appliance runs on a loaded machine). */
export function until(
  subscription: Subscription<BusMessage>,
  what: string,
  match: (message: BusMessage) => boolean,
  timeoutMs = 20_000,
): Promise<BusMessage> {
  return nextMatching(subscription, what, match, timeoutMs);
}

/** `HEARTBEAT: <service> {pid}` / `LAUNCHER: <event> {service, pid}` as one shape. */
export function payloadOf(message: BusMessage): { subject: string; service?: string; pid?: number; reason?: string; retry_in_s?: number } {
  const { subject, payload } = parseSubject(message);
  return { subject, ...(payload as object) };
}

/** Waits for a heartbeat of each service and returns their pids. */
export async function heartbeatPids(
  beats: Subscription<BusMessage>,
  services: readonly string[],
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  const end = Date.now() + timeoutMs;
  while (pids.size < services.length) {
    const message = await until(
      beats,
      `heartbeats of ${services.filter((s) => !pids.has(s)).join(", ")}`,
      () => true,
      Math.max(1, end - Date.now()),
    );
    const { subject, pid } = payloadOf(message);
    if (services.includes(subject) && pid !== undefined) pids.set(subject, pid);
  }
  return pids;
}

/** Waits until `check` holds, running `refresh` (if any) before each look. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 15_000, refresh?: () => Promise<void>): Promise<void> {
  await waitUntil(
    async () => {
      await refresh?.();
      return check();
    },
    { what, timeoutMs, intervalMs: 100 },
  );
}

/**
 * An attacker's bare PUB socket on the appliance's bus (no roomguard code): `send` publishes
 * messages every 100 ms until `stop` (a PUB socket that has just connected loses what it sends
 * first, so once is not enough). Closed when the test ends.
 */
export function forger(dir: string): { send(...messages: string[]): void; stop(): void } {
  const socket = new Publisher({ linger: 0 });
  socket.connect(`ipc://${dir}/in.sock`);
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => clearInterval(timer);
  after(() => (stop(), socket.close()));
  return {
    send(...messages) {
      stop();
      const once = async (): Promise<void> => {
        for (const message of messages) await socket.send(message);
      };
      void once();
      timer = setInterval(() => void once().catch(() => undefined), 100);
    },
    stop,
  };
}

/** The appliance's config with only the router and the keypad: quicker, for tests of the launcher itself. */
export async function smallApplianceConfig(dir: string, launcher: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const config = await applianceConfig(dir, 0);
  return { ...config, launcher: { ...(config.launcher as object), services: ["keypad"], ...launcher } };
}

/** The music player's private mpd, once it listens. */
export function openWhenUp(port: number): Promise<TestMpdClient> {
  return waitUntil(() => TestMpdClient.open({ host: "127.0.0.1", port }), {
    what: `the private mpd on port ${port}`,
    timeoutMs: 20_000,
    intervalMs: 100,
  });
}

export { roomguard } from "@roomguard/testing";
