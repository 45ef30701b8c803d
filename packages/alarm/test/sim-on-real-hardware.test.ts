// SIM: drives simulated hardware only. The keypad, the sensor reader and the alarm as processes
// on a real router, on the onoff backend over a FUSE fake of /sys/class/gpio (Pi 5 layout, in a
// private mount namespace: unmodified onoff, real epoll interrupts): SIM: messages of every kind
// change nothing, are answered by nobody and logged by nobody, while a line changed through the
// fake sysfs, as the kernel would show it, is a key, a door, a motion and the siren. The same
// messages on the sim backend do act, so they are ones a simulated board would take.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { BusClient, parseSubject, type BusMessage } from "@roomguard/bus";
import { CHIP_LAYOUTS, mountFakeGpio, runInPrivateMountNamespace, type FakeGpio } from "@roomguard/hal/fake-sysfs";
import { findServices } from "@roomguard/registry";
import { busRig, waitUntil, type BusRig, type ServiceProcess } from "@roomguard/testing";

runInPrivateMountNamespace();

const ALARM_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const mainOf = (name: string): string => findServices().find((service) => service.name === name)?.main ?? assert.fail(`no ${name}`);

/** The header chip of the Pi 5 layout: BCM n is sysfs number BASE + n. */
const BASE = CHIP_LAYOUTS.pi5[1].base;
const PIN = { LEFT: 5, RIGHT: 6, PIR: 24, DOOR: 25, SIREN: 17 } as const;
const SERVICES = ["keypad", "sensors", "alarm"] as const;

/** One of each SIM: form, at the pins the services use, and two malformed ones. */
const EVERY_KIND = [
  "SIM: press LEFT",
  "SIM: press RIGHT 300",
  `SIM: gpio ${PIN.DOOR} 0`, // the door's contact opens (openWhen: low)
  `SIM: gpio ${PIN.PIR} 1`, // the PIR sees motion
  `SIM: gpio ${PIN.SIREN} 1`, // the siren's pin, an output, driven from outside
  `SIM: gpio ${PIN.LEFT} 0`,
  `SIM: read ${PIN.SIREN}`,
  `SIM: read ${PIN.DOOR}`,
  `SIM: level ${PIN.SIREN} 1 {"service":"alarm","purpose":"siren"}`, // a forged answer
  "SIM: gpio 99 1",
  "SIM: press",
] as const;

/** The whole appliance's config, as each of the three reads it: a door that is a 24h zone (it triggers disarmed), a PIR, a siren. */
function applianceConfig(rig: BusRig, backend: "onoff" | "sim"): Record<string, unknown> {
  return {
    hardware: { backend },
    sensors: [
      { id: "front", kind: "door", pin: PIN.DOOR, openWhen: "low" },
      { id: "hall", kind: "pir", pin: PIN.PIR, holdS: 0 },
    ],
    alarm: {
      requests: `ipc://${rig.dir}/alarm.sock`,
      stateDir: `${rig.dir}/alarm`,
      zones: [{ sensor: "front", type: "24h" }],
      siren: { pin: PIN.SIREN },
    },
  };
}

interface Appliance {
  rig: BusRig;
  processes: Record<(typeof SERVICES)[number], ServiceProcess>;
  /** Every KEY:, DOOR:, MOTION:, ALARM:, SIM: level and HEARTBEAT: message since the start, in order. */
  seen: BusMessage[];
  /** Waits until `what` has been seen (after index `from`). */
  saw: (what: (message: BusMessage) => boolean, description: string, from?: number) => Promise<BusMessage>;
}

async function startAppliance(backend: "onoff" | "sim"): Promise<Appliance> {
  const rig = await busRig();
  const seen: BusMessage[] = [];
  const watched = rig.client.subscribe("KEY:", "DOOR:", "MOTION:", "ALARM:", "SIM: level", "HEARTBEAT:");
  void (async () => {
    for await (const message of watched) seen.push(message);
  })();
  after(() => watched.close());
  await rig.wanted("HEARTBEAT: x");
  const config = applianceConfig(rig, backend);
  const processes = {
    sensors: rig.service("sensors", mainOf("sensors"), config),
    keypad: rig.service("keypad", mainOf("keypad"), config),
    alarm: rig.service("alarm", ALARM_MAIN, config),
  };
  const saw = (what: (message: BusMessage) => boolean, description: string, from = 0): Promise<BusMessage> =>
    waitUntil(() => seen.slice(from).find(what), { what: description, timeoutMs: 15_000 });
  await processes.keypad.waitForLog((line) => line.msg === "keypad ready", 15_000);
  await saw((m) => m.text === "DOOR: front closed", "DOOR: front closed");
  await saw((m) => m.topic === "ALARM" && m.rest.startsWith("disarmed "), "the alarm's state");
  for (const service of SERVICES) {
    await rig.wanted(`CONTROL: ${service} STATUS`, 15_000);
    await saw((m) => m.text.startsWith(`HEARTBEAT: ${service} `), `a heartbeat of the ${service}`);
  }
  return { rig, processes, seen, saw };
}

/** Every file of every exported pin (what the kernel shows, and the physical line), by sysfs number. */
function gpioFiles(fake: FakeGpio): Record<number, Record<string, string>> {
  const files: Record<number, Record<string, string>> = {};
  for (const n of fake.exported())
    files[n] = Object.fromEntries(
      ["direction", "edge", "active_low", "value", ".line"].map((file) => [file, readFileSync(`${fake.root}/gpio${n}/${file}`, "utf8")]),
    );
  return files;
}

/** Publishes `texts` and waits until a client of its own subscribed to `SIM:` has had each: they were on the bus. */
async function publishOnBus(rig: BusRig, texts: readonly string[]): Promise<void> {
  const tap = new BusClient(rig.endpoints);
  after(() => tap.close());
  const heard = tap.subscribe("SIM:");
  const probe = "SIM: probe";
  let probed = false;
  let count = 0;
  const wanted = new Set(texts);
  void (async () => {
    for await (const message of heard)
      if (message.text === probe) probed = true;
      else if (wanted.has(message.text)) count++;
  })();
  // On the sim backend the services' SIM: subscriptions may reach the router before the tap's: ask the tap.
  await waitUntil(async () => (await rig.client.publish(probe), probed), { what: "the tap's SIM: subscription", intervalMs: 50 });
  for (const text of texts) await rig.client.publish(text);
  await waitUntil(() => count, {
    what: `the ${texts.length} SIM: messages at a subscriber`,
    until: (n) => n === texts.length,
    timeoutMs: 15_000,
  });
  heard.close();
}

describe("SIM: on real hardware (onoff over a fake sysfs GPIO)", { timeout: 90_000 }, () => {
  let fake: FakeGpio;
  before(async () => {
    fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi5 });
  });
  after(async () => {
    await fake.unmount();
  });

  it("the same SIM: messages on the sim backend press keys, open the door, trigger the alarm and are answered", async () => {
    const { rig, processes, saw } = await startAppliance("sim");
    await rig.wanted(`SIM: read ${PIN.SIREN}`);
    await rig.wanted(`SIM: gpio ${PIN.DOOR} 0`);
    await publishOnBus(rig, EVERY_KIND);
    for (const text of ["KEY: LEFT", "KEY: RIGHT", "DOOR: front open", "MOTION: hall on"]) await saw((m) => m.text === text, text);
    await saw((m) => m.topic === "ALARM" && m.rest.startsWith("triggered "), "ALARM: triggered");
    await saw(
      (m) => m.text.startsWith(`SIM: level ${PIN.SIREN} `) && m.text.endsWith(`{"service":"alarm","purpose":"siren"}`),
      "the alarm's answer",
    );
    for (const service of SERVICES) assert.equal(await processes[service].stop(), 0, service);
  });

  it("nothing takes them: no key, door, motion, answer or GPIO change, no log line; a real line change still acts", async () => {
    const { rig, processes, seen, saw } = await startAppliance("onoff");
    // The PIR's line starts high (the fake's idle level): let it rest first.
    fake.setLine(BASE + PIN.PIR, 0);
    await saw((m) => m.text === "MOTION: hall off", "MOTION: hall off");
    const exported = [PIN.LEFT, PIN.RIGHT, 16, PIN.SIREN, 20, 21, PIN.PIR, PIN.DOOR].map((bcm) => BASE + bcm);
    assert.deepEqual(fake.exported(), exported);
    const files = gpioFiles(fake);
    assert.equal(files[BASE + PIN.SIREN]?.direction, "out\n");
    assert.equal(files[BASE + PIN.SIREN]?.value, "0\n");

    // Nobody subscribes: the router forwards SIM: to no service (the test's own SIM: level aside).
    for (const text of EVERY_KIND.filter((text) => !text.startsWith("SIM: level")))
      assert.equal(rig.client.wants(text), false, `somebody wants "${text}"`);

    const from = seen.length;
    const logged = Object.fromEntries(SERVICES.map((service) => [service, processes[service].lines.length]));
    // Each kind, then a flood of them: a service that took them would log or act on every one.
    const flood = Array.from({ length: 300 }, (_, i) => [
      `SIM: press LEFT ${i + 1}`,
      `SIM: gpio ${PIN.DOOR} ${i % 2}`,
      `SIM: read ${i % 28}`,
    ]).flat();
    const published = new Set<string>([...EVERY_KIND, ...flood]);
    await publishOnBus(rig, [...EVERY_KIND, ...flood]);
    // A simulated press is a key within its 100-300 ms and the door within its 50 ms debounce: wait
    // for five more heartbeats (a second at 0.2 s) of each service, which also show them alive.
    const heard = seen.length;
    for (const service of SERVICES)
      await waitUntil(() => seen.slice(heard).filter((m) => m.text.startsWith(`HEARTBEAT: ${service} `)).length, {
        what: `five heartbeats of the ${service}`,
        until: (n) => n >= 5,
        timeoutMs: 10_000,
      });

    // The alarm repeats its state every heartbeat interval: the same text it had before.
    const state = seen.slice(0, from).findLast((m) => m.topic === "ALARM")?.text;
    const since = seen.slice(from);
    assert.deepEqual(
      since.filter((m) => m.topic !== "HEARTBEAT" && m.text !== state && !published.has(m.text)).map((m) => m.text),
      [],
      "no KEY:, DOOR:, MOTION:, ALARM: change or SIM: level but the test's own",
    );
    for (const beat of since.filter((m) => m.topic === "HEARTBEAT"))
      assert.equal((parseSubject(beat).payload as { problem?: unknown }).problem, undefined, beat.text);
    for (const service of SERVICES) {
      assert.equal(processes[service].child.exitCode, null, `the ${service} runs`);
      assert.deepEqual(processes[service].lines.slice(logged[service]), [], `the ${service} logged nothing`);
    }
    assert.deepEqual(gpioFiles(fake), files, "every GPIO file as it was");

    // The same pins, changed where the kernel would change them: the services were listening.
    fake.setLine(BASE + PIN.RIGHT, 0);
    await saw((m) => m.text === "KEY: RIGHT", "KEY: RIGHT", from);
    fake.setLine(BASE + PIN.RIGHT, 1);
    fake.setLine(BASE + PIN.PIR, 1);
    await saw((m) => m.text === "MOTION: hall on", "MOTION: hall on", from);
    fake.setLine(BASE + PIN.DOOR, 0);
    await saw((m) => m.text === "DOOR: front open", "DOOR: front open", from);
    await saw((m) => m.topic === "ALARM" && m.rest.startsWith("triggered "), "ALARM: triggered", from);
    await waitUntil(() => fake.line(BASE + PIN.SIREN), { what: "the siren's line high", until: (level) => level === 1 });

    for (const service of SERVICES) assert.equal(await processes[service].stop(), 0, service);
    assert.deepEqual(fake.exported(), [], "every pin unexported");
  });
});
