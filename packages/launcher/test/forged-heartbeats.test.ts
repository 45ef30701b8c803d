// Issue 13, section 1: a heartbeat is a message anyone on the bus can send. A real launcher, its
// bus on ipc sockets in a scratch directory, and an attacker's bare PUB socket on that bus.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { identityOf, readStat } from "@roomguard/runtime";
import { waitUntil } from "@roomguard/testing";
import { ctl, forger, heartbeatPids, isAlive, payloadOf, scratchDir, smallApplianceConfig, until, startedAppliance } from "./appliance.js";

/** A process of the test's that is no service: what a forged heartbeat names. Its exit (and the signal that ended it) is recorded. */
async function bystander(): Promise<{ pid: number; signal: () => NodeJS.Signals | null | undefined }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
  let ended: NodeJS.Signals | null | undefined;
  child.on("exit", (_code, signal) => (ended = signal));
  after(() => child.kill("SIGKILL"));
  const pid = child.pid ?? 0;
  await waitUntil(() => identityOf(pid)?.commandLine.includes("-e"), { what: "the bystander started" });
  return { pid, signal: () => ended };
}

describe("forged heartbeats against a real launcher", { timeout: 120_000 }, () => {
  it("naming pid 1 or an unrelated process adopts nothing and signals nothing, while the service is stopped, running or waiting", async () => {
    const dir = scratchDir();
    // A lost service waits a minute before its restart: long enough to forge heartbeats meanwhile.
    const { launcher, bus } = await startedAppliance(dir, await smallApplianceConfig(dir, { restartDelayS: 60, maxRestartDelayS: 60 }));
    const beats = bus.subscribe("HEARTBEAT: keypad ");
    const events = bus.subscribe("LAUNCHER: ");
    await bus.waitForRouter(10_000);
    await heartbeatPids(beats, ["keypad"]);
    const victim = await bystander();
    const attacker = forger(dir);

    // Stopped by the operator: forged heartbeats would have "adopted" pid 1 or the bystander.
    assert.equal(await ctl(dir, "stop keypad"), "keypad: stopped");
    attacker.send('HEARTBEAT: keypad {"pid":1}', `HEARTBEAT: keypad {"pid":${victim.pid},"problem":"forged"}`);
    await launcher.waitForLog(
      (line) => /^keypad: ignoring heartbeats that name a process which is not this service/.test(line.msg),
      10_000,
    );

    // Running: a heartbeat with another pid is not its process's.
    assert.equal(await ctl(dir, "start keypad"), "keypad: started");
    const started = await until(
      events,
      "LAUNCHER: start keypad",
      (m) => payloadOf(m).subject === "start" && payloadOf(m).service === "keypad",
    );
    const keypad = payloadOf(started).pid ?? 0;
    await until(beats, "the new keypad's heartbeat", (m) => payloadOf(m).pid === keypad);
    attacker.send(`HEARTBEAT: keypad {"pid":${victim.pid},"problem":"forged"}`);
    await launcher.waitForLog((line) => /^keypad: ignoring heartbeats that name another process/.test(line.msg), 10_000);

    // Lost (killed), waiting a minute to restart.
    process.kill(keypad, "SIGKILL");
    await until(events, "LAUNCHER: lost keypad", (m) => payloadOf(m).subject === "lost" && payloadOf(m).service === "keypad");
    // Heard in order on one socket: once this is logged, the keypad's forged heartbeats before it were read.
    attacker.send('HEARTBEAT: keypad {"pid":1}', `HEARTBEAT: keypad {"pid":${victim.pid}}`, `HEARTBEAT: launcher {"pid":${victim.pid}}`);
    await launcher.waitForLog((line) => /^ignoring launcher heartbeats that name a process which is not a launcher/.test(line.msg), 10_000);
    attacker.stop();

    assert.deepEqual(
      launcher.lines.filter((line) => line.service === "launcher" && line.event === "adopt"),
      [],
      "nothing adopted",
    );
    assert.match(await ctl(dir, "list"), /^keypad +waiting/m);
    assert.doesNotMatch(await ctl(dir, "status"), /forged/, "the forger's problem is shown nowhere");
    assert.ok(isAlive(victim.pid), "the bystander lives");
    assert.equal(victim.signal(), undefined, "and was never signalled");
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
    assert.ok(isAlive(victim.pid), "the bystander outlives the launcher's stop");
  });

  it("forged heartbeats with the real pid of a SIGSTOPped service do not keep it running: it is hung on time", async () => {
    const dir = scratchDir();
    const { launcher, bus } = await startedAppliance(dir, await smallApplianceConfig(dir));
    const events = bus.subscribe("LAUNCHER: ");
    await bus.waitForRouter(10_000);
    const keypad = (await heartbeatPids(bus.subscribe("HEARTBEAT: keypad "), ["keypad"])).get("keypad") ?? 0;
    const attacker = forger(dir);

    process.kill(keypad, "SIGSTOP");
    await waitUntil(() => readStat(keypad)?.state === "T", { what: "the keypad stopped" });
    attacker.send(`HEARTBEAT: keypad {"pid":${keypad},"problem":"all is well"}`);
    // 6 heartbeats of 0.5 s: hung after 3 s of silence. Before, the forger kept it "running" for as long as it liked.
    const lost = payloadOf(
      await until(events, "LAUNCHER: lost keypad", (m) => payloadOf(m).subject === "lost" && payloadOf(m).service === "keypad", 15_000),
    );
    attacker.stop();
    assert.equal(lost.pid, keypad);
    assert.match(lost.reason ?? "", /^hung: no heartbeat for \d/);
    assert.ok(
      launcher.lines.some(
        (line) => /^keypad: ignoring heartbeats that name a stopped or ended process/.test(line.msg) && line.pid === keypad,
      ),
      "the forged heartbeats were noticed, and said so",
    );
    await waitUntil(() => !isAlive(keypad), { what: "the hung keypad killed" });
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });
});
