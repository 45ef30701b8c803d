// Adding a service is its own package plus a config line: in a scratch copy of the workspace, a
// throwaway service package that declares itself in its package.json is found by the launcher,
// started, supervised (killed, it comes back) and stopped, with no other file touched.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { BusClient, parseSubject } from "@roomguard/bus";
import { findServices } from "@roomguard/registry";
import { waitUntil } from "@roomguard/testing";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/** The throwaway service: a heartbeat and a clean stop, as every service has, in plain JavaScript. */
const THROWAWAY_MAIN = `
import { BusClient, serveControl, startHeartbeat } from "@roomguard/bus";
import { runService } from "@roomguard/runtime";

await runService("throwaway", async ({ config, log, requestStop }) => {
  const bus = new BusClient({ in: config.bus.in, out: config.bus.out, log });
  const heartbeat = startHeartbeat({ bus, service: "throwaway", intervalS: config.bus.heartbeatIntervalS });
  const control = serveControl({ bus, service: "throwaway", log, status: () => ({}), stop: () => (requestStop("CONTROL: throwaway STOP"), true) });
  return {
    async stop() {
      control.stop();
      heartbeat.stop();
      await bus.close();
    },
  };
});
`;

/** A copy of the built workspace (its packages; the dependencies shared) with the throwaway added. */
function scratchCopy(): string {
  const root = mkdtempSync(path.join(tmpdir(), "roomguard-scratch-"));
  cpSync(path.join(REPO, "packages"), path.join(root, "packages"), { recursive: true, verbatimSymlinks: true });
  cpSync(path.join(REPO, "pnpm-workspace.yaml"), path.join(root, "pnpm-workspace.yaml"));
  symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  const dir = path.join(root, "packages", "throwaway");
  mkdirSync(path.join(dir, "node_modules", "@roomguard"), { recursive: true });
  const manifest = {
    name: "@roomguard/throwaway",
    private: true,
    type: "module",
    description: "a service that exists only in this test",
    roomguard: { service: { main: "./main.mjs", enabledByDefault: false } },
    dependencies: { "@roomguard/bus": "workspace:*", "@roomguard/runtime": "workspace:*" },
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  writeFileSync(path.join(dir, "main.mjs"), THROWAWAY_MAIN);
  // What `pnpm install` makes of those dependencies: links to the workspace packages.
  for (const library of ["bus", "runtime"]) symlinkSync(`../../../${library}`, path.join(dir, "node_modules", "@roomguard", library));
  return root;
}

describe("a new service package", () => {
  const root = scratchCopy();
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is found in the scratch copy and nowhere else", () => {
    assert.ok(findServices(root).some((service) => service.name === "throwaway"));
    assert.ok(!findServices().some((service) => service.name === "throwaway"), "the checkout itself is untouched");
  });

  it(
    "named in launcher.services is started, supervised and stopped by the launcher, like the built-in ones",
    { timeout: 60_000 },
    async () => {
      const bus = { in: `ipc://${root}/in.sock`, out: `ipc://${root}/out.sock`, heartbeatIntervalS: 0.2 };
      const config = {
        bus,
        router: { journal: { enabled: false } },
        launcher: { services: ["throwaway"], control: `ipc://${root}/control.sock`, stateDir: `${root}/var`, restartDelayS: 0.1 },
        log: { level: "info", format: "json" },
      };
      const configFile = path.join(root, "roomguard.yaml");
      writeFileSync(configFile, JSON.stringify(config)); // JSON is YAML
      const client = new BusClient(bus);
      const seen: Array<{ topic: string; subject: string; payload: Record<string, unknown> }> = [];
      const subscription = client.subscribe("LAUNCHER: ", "HEARTBEAT: throwaway ");
      void (async () => {
        for await (const message of subscription) {
          const { subject, payload } = parseSubject(message);
          seen.push({ topic: message.topic, subject, payload: (payload ?? {}) as Record<string, unknown> });
        }
      })();
      const launcher = spawn(process.execPath, [path.join(root, "packages/launcher/dist/src/main.js"), "--config", configFile], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ROOMGUARD_CONFIG: "" },
      });
      let output = "";
      launcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      launcher.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => launcher.on("exit", (code) => resolve(code)));
      after(async () => {
        subscription.close();
        await client.close();
        if (launcher.exitCode === null) launcher.kill("SIGKILL");
      });
      const heartbeatPids = (): number[] => seen.filter((m) => m.topic === "HEARTBEAT").map((m) => Number(m.payload.pid));
      const event = (name: string): Record<string, unknown> | undefined =>
        seen.find((m) => m.topic === "LAUNCHER" && m.subject === name && m.payload.service === "throwaway")?.payload;
      const until = (look: () => boolean, what: string): Promise<unknown> =>
        waitUntil(look, { what, timeoutMs: 20_000 }).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\nlauncher output:\n${output}`);
        });

      // Started: the launcher's start event, then the service's own heartbeats.
      await until(() => event("start") !== undefined && heartbeatPids().length > 0, "the throwaway started");
      const firstPid = Number(event("start")?.pid);
      assert.equal(heartbeatPids()[0], firstPid, "the heartbeat comes from the process the launcher started");

      // Supervised: killed as a crash would, it is lost and restarted as a new process.
      process.kill(firstPid, "SIGKILL");
      await until(() => event("restart") !== undefined && heartbeatPids().some((pid) => pid !== firstPid), "a restart");
      assert.match(String(event("lost")?.reason), /exited/);
      const secondPid = Number(event("restart")?.pid);
      assert.notEqual(secondPid, firstPid);

      // Stopped: with the launcher, cleanly, and nothing of it is left.
      launcher.kill("SIGTERM");
      assert.equal(await exited, 0, output);
      assert.ok(event("stop"), "the launcher reported the throwaway stopped");
      assert.throws(() => process.kill(secondPid, 0), { code: "ESRCH" }, "the throwaway process is gone");
    },
  );
});
