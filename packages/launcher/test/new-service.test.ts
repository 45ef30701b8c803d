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
import { BusClient, parseSubject, request } from "@roomguard/bus";
import { findServices } from "@roomguard/registry";
import { waitUntil } from "@roomguard/testing";
import type { StatusResult } from "../src/control-protocol.js";

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
      const control = `ipc://${root}/control.sock`;
      const config = {
        bus,
        router: { journal: { enabled: false } },
        launcher: { services: ["throwaway"], control, stateDir: `${root}/var`, restartDelayS: 0.1 },
        log: { level: "info", format: "json" },
      };
      const configFile = path.join(root, "roomguard.yaml");
      writeFileSync(configFile, JSON.stringify(config)); // JSON is YAML
      const client = new BusClient(bus);
      const heartbeats: number[] = [];
      const subscription = client.subscribe("HEARTBEAT: throwaway ");
      void (async () => {
        for await (const message of subscription) heartbeats.push(Number((parseSubject(message).payload as { pid?: unknown }).pid));
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
      /** The throwaway's line of the launcher's status, asked over its control socket as `roomguard ctl` does. */
      const status = async (): Promise<StatusResult["services"][number] | undefined> => {
        const result = await request<StatusResult>(control, "status", {}, { timeoutMs: 1000 });
        return result.services.find((view) => view.service === "throwaway");
      };
      const until = <T>(look: () => Promise<T> | T, what: string, done: (value: T) => boolean): Promise<T> =>
        waitUntil(look, { what, until: done, timeoutMs: 20_000 }).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\nlauncher output:\n${output}`);
        });

      // Started: the launcher runs it, and its heartbeats come from the process the launcher reports.
      const first = await until(status, "the throwaway running", (view) => view?.state === "running" && view.pid !== null);
      const firstPid = first?.pid ?? assert.fail("no pid");
      await until(
        () => heartbeats,
        "its heartbeat",
        (pids) => pids.includes(firstPid),
      );

      // Supervised: killed as a crash would, it is lost and restarted as a new process.
      process.kill(firstPid, "SIGKILL");
      const second = await until(status, "a restart", (view) => view?.state === "running" && view.pid !== firstPid && view.restarts === 1);
      const secondPid = second?.pid ?? assert.fail("no pid");
      await until(
        () => heartbeats,
        "the new process's heartbeat",
        (pids) => pids.includes(secondPid),
      );
      assert.match(output, /"msg":"lost throwaway".*"reason":"killed by SIGKILL"/);

      // Stopped: with the launcher, cleanly, and nothing of it is left.
      launcher.kill("SIGTERM");
      assert.equal(await exited, 0, output);
      assert.match(output, /"msg":"stop throwaway"/);
      assert.throws(() => process.kill(secondPid, 0), { code: "ESRCH" }, "the throwaway process is gone");
    },
  );
});
