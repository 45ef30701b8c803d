// Issue 13, section 3: the control socket can stop the appliance, so on an ipc path only the
// launcher's user and group reach it; under systemd, `quit` says how the appliance is stopped.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, statSync } from "node:fs";
import { after, describe, it } from "node:test";
import { ctl, scratchDir, smallApplianceConfig, startLauncher } from "./appliance.js";

const isRoot = process.getuid?.() === 0;

/** What connecting to a Unix socket gives a process of another user (`uid`, `gid`): "connected", or the error's code. */
function connectAs(uid: number, gid: number, socketPath: string): Promise<string> {
  return runAs(
    uid,
    gid,
    `require("node:net").connect(${JSON.stringify(socketPath)})
      .on("connect", function () { console.log("connected"); this.destroy(); })
      .on("error", (error) => console.log(error.code));`,
  );
}

/** What `roomguard ctl quit` (a request over the bus library) gets as another user: its error's code and reason. */
function quitAs(uid: number, gid: number, socketPath: string): Promise<string> {
  return runAs(
    uid,
    gid,
    `import(${JSON.stringify(import.meta.resolve("@roomguard/bus"))})
      .then(({ request }) => request("ipc://${socketPath}", "quit", {}, { timeoutMs: 5000, service: "launcher" }))
      .then(() => console.log("quit"), (error) => console.log(error.code + ": " + error.reason));`,
  );
}

/** Runs a script as another user and resolves with what it printed. */
function runAs(uid: number, gid: number, script: string): Promise<string> {
  const child = spawn(process.execPath, ["-e", script], { uid, gid, cwd: "/", stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on("exit", () => resolve(output.trim())));
}

describe("the launcher's control socket", { timeout: 90_000 }, () => {
  it("an ipc socket is made mode 0660: its user and group may connect, other users may not", async () => {
    const dir = scratchDir();
    const launcher = startLauncher(dir, await smallApplianceConfig(dir));
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const socket = `${dir}/ctl.sock`;
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    assert.ok(
      launcher.lines.some(
        (line) => line.msg === "control socket for this user and its group only (mode 0660)" && line.endpoint === `ipc://${socket}`,
      ),
    );
    if (isRoot) {
      // nobody may pass through the directory (as through /run/roomguard, 0750, for the group); the socket's own mode decides.
      chmodSync(dir, 0o711);
      const { gid } = statSync(socket);
      assert.equal(await connectAs(65534, 65534, socket), "EACCES", "another user, not in the group");
      assert.equal(await connectAs(65534, gid, socket), "connected", "another user in the socket's group");
      assert.equal(await quitAs(65534, 65534, socket), "no-service: permission denied: only the user and group it belongs to may connect");
    }
    assert.match(await ctl(dir, "list"), /^router +running/);
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });

  it("under systemd (launcher.serviceManager), quit is refused naming `sudo systemctl stop roomguard`; SIGTERM stops it", async () => {
    const dir = scratchDir();
    const launcher = startLauncher(dir, await smallApplianceConfig(dir), { ROOMGUARD_LAUNCHER_SERVICE_MANAGER: "systemd" });
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    assert.equal(
      await ctl(dir, "quit"),
      "the launcher runs under systemd, which would start it again: `sudo systemctl stop roomguard` stops it",
    );
    assert.match(await ctl(dir, "list"), /^router +running\nkeypad +(starting|running)$/, "it runs on");
    assert.equal(await launcher.stop("SIGTERM"), 0, "systemctl stop sends SIGTERM");
  });
});
