// Issue 13, section 3: anyone on the bus could switch the appliance off with a CONTROL: STOP. A
// real launcher (router and keypad) and an attacker's bare PUB socket on its bus.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { BusMessage } from "@roomguard/bus";
import {
  busClient,
  ctl,
  forger,
  heartbeatPids,
  payloadOf,
  scratchDir,
  smallApplianceConfig,
  startLauncher,
  until,
  startedAppliance,
} from "./appliance.js";

/** A `STATUS: <service> {…}` answer as its service and payload. */
function answer(message: BusMessage): { service: string; refused?: string; reason?: string } {
  const { subject, ...payload } = payloadOf(message) as { subject: string; refused?: string; reason?: string };
  return { service: subject, ...payload };
}

describe("STOP from the bus", { timeout: 120_000 }, () => {
  it("CONTROL: launcher STOP and CONTROL: all STOP stop nothing, and say what does; a STOP after each keypad heartbeat changes nothing", async () => {
    const dir = scratchDir();
    const { launcher, bus } = await startedAppliance(dir, await smallApplianceConfig(dir));
    const answers = bus.subscribe("STATUS: ");
    const beats = bus.subscribe("HEARTBEAT: keypad ");
    await bus.waitForRouter(10_000);
    const keypad = (await heartbeatPids(beats, ["keypad"])).get("keypad");
    const attacker = forger(dir);

    attacker.send("CONTROL: launcher STOP", "CONTROL: all STOP");
    const refusals = new Map<string, string>();
    await until(answers, "the refusals of launcher, router and keypad", (message) => {
      const { service, refused, reason } = answer(message);
      if (refused === "STOP") refusals.set(service, reason ?? "");
      return refusals.size === 3;
    });
    assert.match(refusals.get("launcher") ?? "", /^the launcher does not stop from the bus: `.*roomguard ctl quit.*` stops it$/);
    assert.match(refusals.get("keypad") ?? "", /bus\.acceptStop/);
    assert.match(refusals.get("router") ?? "", /router\.acceptDeath/);

    // The third attack: a STOP after each of the keypad's heartbeats (five were enough to give it up).
    attacker.send("CONTROL: keypad STOP");
    for (let seen = 0; seen < 8;) {
      const beat = await until(beats, "a keypad heartbeat", () => true);
      assert.equal(payloadOf(beat).pid, keypad, "the same keypad process beats on");
      seen++;
    }
    attacker.stop();
    assert.match(await ctl(dir, "list"), /^router +running\nkeypad +running$/);
    assert.equal(launcher.child.exitCode, null, "the launcher runs");
    assert.deepEqual(
      launcher.lines.filter((line) => line.service === "launcher" && ["stop", "lost", "give-up"].includes(String(line.event))),
      [],
    );
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });

  it("with bus.acceptStop a service obeys STOP from the bus, and the launcher takes that for an operator's stop: stopped, no restart, no loss", async () => {
    const dir = scratchDir();
    const config = await smallApplianceConfig(dir);
    const launcher = startLauncher(dir, { ...config, bus: { ...(config.bus as object), acceptStop: true } });
    after(() => launcher.stop("SIGKILL"));
    await launcher.waitForLog((line) => line.msg === "every service started", 30_000);
    const bus = busClient(dir);
    after(() => bus.close());
    const events = bus.subscribe("LAUNCHER: ");
    await bus.waitForRouter(10_000);
    await heartbeatPids(bus.subscribe("HEARTBEAT: keypad "), ["keypad"]);
    const attacker = forger(dir);
    const stopOfKeypad = (m: BusMessage): boolean => ["stop", "lost"].includes(payloadOf(m).subject) && payloadOf(m).service === "keypad";

    for (const command of ["CONTROL: keypad STOP", "CONTROL: all STOP"]) {
      attacker.send(command);
      const stop = payloadOf(await until(events, `LAUNCHER: stop keypad after ${command}`, stopOfKeypad));
      attacker.stop();
      assert.equal(stop.subject, "stop", `${command}: an operator's stop, not a loss`);
      assert.match(stop.reason ?? "", /^stopped by a STOP from the bus/);
      assert.match(
        await ctl(dir, "list"),
        /^router +running\nkeypad +stopped \(stopped by a STOP from the bus/,
        "the router (acceptDeath off) runs on",
      );
      assert.equal(await ctl(dir, "start keypad"), "keypad: started");
    }
    assert.equal(launcher.child.exitCode, null, "the launcher runs");
    assert.deepEqual(
      launcher.lines.filter((line) => line.service === "launcher" && ["lost", "give-up", "restart"].includes(String(line.event))),
      [],
    );
    assert.equal(await ctl(dir, "quit"), "stopping every service, then the launcher");
    assert.equal(await launcher.exited, 0);
  });
});
