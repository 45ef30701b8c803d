// Issue 13, section 7: the launcher's own stalls are not its services' fault, and one launcher
// runs an appliance whatever its control endpoint — a forged launcher heartbeat cannot keep one out.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { readStat } from "@roomguard/runtime";
import { waitUntil, type ServiceProcess } from "@roomguard/testing";
import { busClient, ctl, forger, heartbeatPids, scratchDir, smallApplianceConfig, startLauncher, startedAppliance } from "./appliance.js";

/** Waits for a launcher that should refuse to run: it exits, and not with 0. */
async function refusesToStart(launcher: ServiceProcess): Promise<void> {
  await waitUntil(() => launcher.child.exitCode !== null, { what: "the second launcher's exit", timeoutMs: 20_000 });
  assert.notEqual(launcher.child.exitCode, 0);
}

describe("the launcher's own stalls", { timeout: 90_000 }, () => {
  it("SIGSTOPped for longer than the hang limit, then SIGCONT: it kills no healthy service, and says it was stalled", async () => {
    const dir = scratchDir();
    const { launcher, bus } = await startedAppliance(dir, await smallApplianceConfig(dir));
    await bus.waitForRouter(10_000);
    const before = await heartbeatPids(bus.subscribe("HEARTBEAT: "), ["router", "keypad"]);
    const pid = launcher.child.pid ?? 0;

    process.kill(pid, "SIGSTOP");
    await waitUntil(() => readStat(pid)?.state === "T", { what: "the launcher stopped" });
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the stall itself: longer than the hang limit
    process.kill(pid, "SIGCONT");
    const verdict = await launcher.waitForLog(
      (line) => line.service === "launcher" && (line.msg.startsWith("the launcher itself did not run") || line.event === "lost"),
      10_000,
    );
    assert.match(verdict.msg, /^the launcher itself did not run for a while/, `not: ${verdict.msg} ${String(verdict.reason)}`);
    assert.ok(Number(verdict.late_s) >= 4, `late by ${String(verdict.late_s)} s`);
    // And after it, the services' heartbeats count again: the same processes, running.
    const resumed = await heartbeatPids(bus.subscribe("HEARTBEAT: "), ["router", "keypad"]);
    assert.deepEqual(resumed, before);
    const status = await ctl(dir, "status");
    for (const [service, servicePid] of before) assert.match(status, new RegExp(`^${service} +running +${servicePid} `, "m"));
    assert.deepEqual(
      launcher.lines.filter((line) => line.service === "launcher" && line.event === "lost"),
      [],
    );
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });
});

describe("one launcher per appliance", { timeout: 120_000 }, () => {
  it("a second launcher refuses to start, with another control endpoint, and with another state directory too; it touches nothing", async () => {
    const dir = scratchDir();
    const config = await smallApplianceConfig(dir);
    const first = startLauncher(dir, config);
    after(() => first.stop("SIGKILL"));
    await first.waitForLog((line) => line.msg === "every service started", 30_000);
    const bus = busClient(dir);
    after(() => bus.close());
    await bus.waitForRouter(10_000);
    const running = await heartbeatPids(bus.subscribe("HEARTBEAT: "), ["router", "keypad", "launcher"]);

    // The same state directory: refused by its lock at once, naming the first and how to reach it.
    const second = startLauncher(dir, config, { ROOMGUARD_LAUNCHER_CONTROL: `ipc://${dir}/ctl2.sock` });
    after(() => second.stop("SIGKILL"));
    await refusesToStart(second);
    const refusal = second.lines.find((line) => line.msg === "failed to start");
    const message = String((refusal?.error as { message?: string } | undefined)?.message);
    assert.match(message, new RegExp(`^another launcher is running \\(pid ${first.child.pid}\\) with this state directory`));
    assert.match(message, new RegExp(`ROOMGUARD_LAUNCHER_CONTROL=ipc://${dir}/ctl\\.sock .*roomguard status`));

    // Another state directory too: it hears the first one's heartbeat, proves it, and leaves.
    const third = startLauncher(dir, config, {
      ROOMGUARD_LAUNCHER_CONTROL: `ipc://${dir}/ctl3.sock`,
      ROOMGUARD_LAUNCHER_STATE_DIR: `${dir}/launcher3`,
    });
    after(() => third.stop("SIGKILL"));
    await refusesToStart(third);
    const fatal = third.lines.find((line) => line.msg === "fatal");
    assert.match(
      String((fatal?.error as { message?: string } | undefined)?.message),
      new RegExp(
        `^another launcher \\(pid ${first.child.pid}\\) runs the services on this bus .*ROOMGUARD_LAUNCHER_CONTROL=ipc://${dir}/ctl\\.sock`,
      ),
    );
    for (const other of [second, third])
      assert.deepEqual(
        other.lines.filter((line) => line.service === "launcher" && ["adopt", "start", "stop"].includes(String(line.event))),
        [],
        "it adopted, started and stopped nothing",
      );

    const status = await ctl(dir, "status");
    for (const service of ["router", "keypad"]) assert.match(status, new RegExp(`^${service} +running +${running.get(service)} `, "m"));
    assert.deepEqual(
      first.lines.filter((line) => line.service === "launcher" && ["lost", "restart"].includes(String(line.event))),
      [],
    );
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await first.exited, 0);
  });

  it("forged launcher heartbeats do not keep a launcher from starting: one that comes back after a crash adopts its services", async () => {
    const dir = scratchDir();
    const config = await smallApplianceConfig(dir);
    let launcher = startLauncher(dir, config);
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const bus = busClient(dir);
    after(() => bus.close());
    await bus.waitForRouter(10_000);
    const running = await heartbeatPids(bus.subscribe("HEARTBEAT: "), ["router", "keypad"]);

    await launcher.stop("SIGKILL"); // its services run on; its lock is left behind
    const attacker = forger(dir);
    attacker.send('HEARTBEAT: launcher {"pid":1}', `HEARTBEAT: launcher {"pid":${process.pid},"control":"ipc:///nowhere"}`);
    launcher = startLauncher(dir, config);
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    attacker.stop();
    assert.ok(
      launcher.lines.some((line) => line.msg.startsWith("ignoring launcher heartbeats that name a process which is not a launcher")),
    );
    assert.deepEqual(
      launcher.lines
        .filter((line) => line.service === "launcher" && (line.event === "adopt" || line.event === "start"))
        .map((line) => `${String(line.event)} ${String(line.pid)}`)
        .sort(),
      [...running.values()].map((pid) => `adopt ${pid}`).sort(),
    );
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });
});
