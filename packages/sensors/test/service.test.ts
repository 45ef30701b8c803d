import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { openLinuxI2c, planHardware } from "@roomguard/hal";
import { validateConfig } from "@roomguard/config";
import { createSimHal, RegisterMap } from "@roomguard/hal/sim";
import { createLogger, ManualClock } from "@roomguard/runtime";
import { defineSensor, SensorError, v, type Reading } from "@roomguard/sensor-kit";
import { sensor as bme280 } from "@roomguard/sensor-bme280";
import { sensor as door } from "@roomguard/sensor-door";
import { sensor as pir } from "@roomguard/sensor-pir";
import { createCatalog } from "../src/catalog.js";
import { sensorsCheck } from "../src/check-config.js";
import type { Fault } from "../src/runner.js";
import { createSensorsService } from "../src/service.js";

/** A periodic I2C sensor for these tests: reads register 0x10 of a chip at 0x40. */
const probe = defineSensor({
  kind: "probe",
  aliases: ["probe-x1"],
  description: "test probe",
  options: v.strictObject({ i2cAddress: v.optional(v.number(), 0x40), scale: v.optional(v.number(), 1) }),
  defaultIntervalS: 5,
  create(options, context) {
    let bus: Awaited<ReturnType<typeof context.openI2c>> | undefined;
    return {
      async start() {
        bus = await context.openI2c();
        const id = await bus.readByte(options.i2cAddress, 0x0f);
        if (id !== 0x42) throw new SensorError("CHIP_ID", `expected chip id 0x42, got 0x${id.toString(16)}`);
      },
      async read(): Promise<Reading> {
        const raw = await (bus ?? assert.fail("not started")).readByte(options.i2cAddress, 0x10);
        return { level_pct: (raw * options.scale) / 2.55 };
      },
      stop: () => Promise.resolve(),
    };
  },
});

/** A sensor whose start() throws a plain Error, as a buggy package would. */
const broken = defineSensor({
  kind: "broken",
  description: "always throws",
  options: v.strictObject({}),
  create: () => ({
    start: () => Promise.reject(new Error("kaboom")),
    stop: () => Promise.resolve(),
  }),
});

function rig(sensors: unknown[], options: { realI2c?: boolean } = {}) {
  const clock = new ManualClock();
  const sim = createSimHal({ clock });
  // realI2c: the I2C of a Pi without I2C enabled: i2c-bus itself, and no /dev/i2c-1.
  const noDevices = mkdtempSync(path.join(tmpdir(), "roomguard-dev-"));
  const hal = options.realI2c ? { ...sim, openI2c: (bus: number) => openLinuxI2c(bus, noDevices) } : sim;
  const result = validateConfig({ sensors });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const sent: string[] = [];
  const faults = new Map<string, Fault[]>();
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service: "sensors",
    level: "debug",
    format: "json",
    stream: { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) },
  });
  const catalog = createCatalog([bme280, door, pir, probe, broken].map((definition) => ({ from: definition.kind, definition })));
  // The hardware plan's verdict on the entries' pins, as the registry gives it to the reader at start.
  const plan = planHardware(sensorsCheck(result.config.sensors, catalog).hardware.map((use) => ({ ...use, owner: "sensors" })));
  const service = createSensorsService({
    config: result.config,
    catalog,
    hardwareIssues: plan.issues.map((issue) => ({ path: issue.key, message: issue.message })),
    hal,
    clock,
    log,
    out: {
      reading: (id, reading) => sent.push(`SENSOR: ${id} ${JSON.stringify(reading)}`),
      event: (id, event) => sent.push(`${event.topic}: ${id} ${event.state}`),
      fault: (id, fault) => {
        sent.push(`SENSOR: ${id} fault ${fault.code}`);
        faults.set(id, [...(faults.get(id) ?? []), fault]);
      },
    },
  });
  /** Lets the sensors' promise chains run (start, reads) between clock steps. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { clock, hal: sim, sent, faults, lines, service, settle };
}

describe("the sensor reader", () => {
  it("runs each sensor in its own fault boundary: bad entries are reported, the rest run", async () => {
    const r = rig([
      { id: "front", kind: "door", pin: 25 },
      { id: "hall", kind: "hc-sr501", pin: 24 },
      { id: "typo", kind: "dor", pin: 22 },
      { id: "badopt", kind: "door", pin: 23, openwhen: "low" },
      { id: "bigpin", kind: "door", pin: 99 },
      { id: "front", kind: "pir", pin: 27 },
      { id: "twice", kind: "pir", pin: 25 },
      { id: "bug", kind: "broken" },
      { id: "nopin", kind: "door" },
      { id: "pn", kind: "motion", pn: 26 },
      { id: "wrongtype", kind: "door", pin: 26, debounceMs: "fast" },
    ]);
    r.service.start();
    await r.settle();
    assert.ok(r.sent.includes("DOOR: front open") === false && r.sent.includes("DOOR: front closed"), "the simulated door starts shut");
    assert.ok(r.sent.includes("MOTION: hall off"));
    const error = (id: string): string => r.faults.get(id)?.[0]?.error ?? "";
    assert.match(
      error("typo"),
      /^sensors\[typo\]\.kind: unknown sensor kind "dor"; installed: bme280 \(also bme-280\); door \(also reed, reed-switch, window\); pir \(also hc-sr501/,
    );
    assert.equal(
      error("badopt"),
      "sensors[badopt].openwhen: unknown option (did you mean openWhen?); door takes: pin (required), openWhen, debounceMs",
    );
    assert.equal(error("nopin"), "sensors[nopin].pin: missing (required); door takes: pin (required), openWhen, debounceMs");
    assert.equal(error("pn"), "sensors[pn].pn: unknown option (did you mean pin?); motion takes: pin (required), holdS");
    assert.equal(error("wrongtype"), 'sensors[wrongtype].debounceMs: expected number, got "fast"');
    assert.match(error("bigpin"), /^sensors\[bigpin\]\.pin: expected a BCM GPIO on the 40-pin header \(2-27\), got 99/);
    assert.match(error("front"), /^sensors\[front\]: the id "front" is used twice/);
    assert.equal(
      error("twice"),
      "sensors[twice].pin: BCM 25 (pin 22) is already used by sensors[front].pin: each pin can do one job; choose another",
    );
    assert.deepEqual(r.faults.get("bug")?.[0], { code: "ERROR", error: "kaboom", retry_in_s: 1, failures: 1 });
    assert.equal(r.faults.get("typo")?.[0]?.retry_in_s, undefined, "config problems are not retried");

    r.hal.gpio.drive(25, 1);
    r.clock.advance(50);
    assert.equal(r.sent.at(-1), "DOOR: front open", "the good sensors keep working");
    const status = r.service.status().sensors as Record<string, { state: string }>;
    assert.deepEqual(Object.fromEntries(Object.entries(status).map(([id, entry]) => [id, entry.state])), {
      front: "running",
      hall: "running",
      bug: "faulted",
      typo: "refused",
      badopt: "refused",
      bigpin: "refused",
      "front (duplicate)": "refused",
      twice: "refused",
      nopin: "refused",
      pn: "refused",
      wrongtype: "refused",
    });
    await r.service.stop();
  });

  it("names refused and failing sensors as the problem the heartbeat carries, and clears it on recovery", async () => {
    const one = rig([
      { id: "bathroom", kind: "door" },
      { id: "front", kind: "door", pin: 25 },
    ]);
    one.service.start();
    await one.settle();
    assert.equal(one.service.problem(), "sensors[bathroom] refused: pin: missing (required)");
    await one.service.stop();

    const several = rig([
      { id: "bathroom", kind: "door" },
      { id: "attic", kind: "bme820" },
      { id: "front", kind: "door", pin: 25 },
      { id: "front", kind: "pir", pin: 24 },
      { id: "bug", kind: "broken" },
    ]);
    several.service.start();
    await several.settle();
    assert.equal(
      several.service.problem(),
      "sensors[bathroom] refused: pin: missing (required) (and 2 more refused: attic, front); sensors[bug] failing: kaboom",
    );
    await several.service.stop();

    const r = rig([{ id: "tank", kind: "probe", intervalS: 2 }]);
    const chip = new RegisterMap({ 0x0f: 0x42, 0x10: 255 });
    r.hal.i2cBus(1).attach(0x40, chip);
    r.service.start();
    await r.settle();
    assert.equal(r.service.problem(), undefined, "all running: no problem");
    r.hal.i2cBus(1).detach(0x40);
    r.clock.advance(2000);
    await r.settle();
    assert.match(r.service.problem() ?? "", /^sensors\[tank\] failing: /, "in backoff");
    r.clock.advance(1000);
    await r.settle();
    assert.match(r.service.problem() ?? "", /^sensors\[tank\] failing: /, "a retry that fails again");
    r.hal.i2cBus(1).attach(0x40, chip);
    r.clock.advance(2000);
    await r.settle();
    assert.equal(r.sent.at(-1), 'SENSOR: tank {"level_pct":100}');
    assert.equal(r.service.problem(), undefined, "recovered");
    await r.service.stop();
  });

  it("retries a failing sensor with backoff (1, 2, 4 s …) and reports every failed try", async () => {
    const r = rig([{ id: "bug", kind: "broken" }]);
    r.service.start();
    await r.settle();
    for (const wait of [1000, 2000, 4000, 8000]) {
      r.clock.advance(wait - 1);
      await r.settle();
      const before = r.faults.get("bug")?.length ?? 0;
      r.clock.advance(1);
      await r.settle();
      assert.equal(r.faults.get("bug")?.length, before + 1, `a retry after ${wait} ms`);
    }
    assert.deepEqual(
      r.faults.get("bug")?.map((fault) => fault.retry_in_s),
      [1, 2, 4, 8, 16],
    );
    assert.equal(
      r.lines.filter((line) => /sensor bug failed to start/.test(String(line.msg))).length,
      1,
      "logged once, published every time",
    );
    await r.service.stop();
  });

  it("reads periodic sensors every intervalS; a chip that disappears is a fault, and comes back", async () => {
    const r = rig([{ id: "tank", kind: "probe", intervalS: 2 }]);
    const chip = new RegisterMap({ 0x0f: 0x42, 0x10: 255 });
    r.hal.i2cBus(1).attach(0x40, chip);
    r.service.start();
    await r.settle();
    assert.deepEqual(r.sent, ['SENSOR: tank {"level_pct":100}']);
    chip.bytes[0x10] = 51;
    r.clock.advance(2000);
    await r.settle();
    assert.equal(r.sent.at(-1), 'SENSOR: tank {"level_pct":20}');

    r.hal.i2cBus(1).detach(0x40); // a loose wire
    r.clock.advance(2000);
    await r.settle();
    assert.equal(r.faults.get("tank")?.[0]?.code, "EREMOTEIO");
    r.hal.i2cBus(1).attach(0x40, chip);
    r.clock.advance(1000);
    await r.settle();
    assert.equal(r.sent.at(-1), 'SENSOR: tank {"level_pct":20}', "recovered: reading again");
    assert.ok(r.lines.some((line) => line.msg === "sensor tank recovered"));
    await r.service.stop();
  });

  it("a missing /dev/i2c-1 is a fault that says to enable I2C; the process carries on", async () => {
    const r = rig(
      [
        { id: "climate", kind: "bme280" },
        { id: "front", kind: "door", pin: 25 },
      ],
      { realI2c: true },
    );
    r.service.start();
    await r.settle();
    const fault = r.faults.get("climate")?.[0];
    assert.equal(fault?.code, "NO_I2C_BUS");
    assert.match(fault?.error ?? "", /no I2C bus .*i2c-1 \(enable I2C: sudo raspi-config nonint do_i2c 0/);
    assert.ok(r.sent.includes("DOOR: front closed"));
    assert.match(r.service.problem() ?? "", /^sensors\[climate\] failing: no I2C bus /, "a problem for the launcher's status");
    await r.service.stop();
  });

  it("a wrong chip id is a fault naming what was expected", async () => {
    const r = rig([{ id: "tank", kind: "probe-x1" }]);
    r.hal.i2cBus(1).attach(0x40, new RegisterMap({ 0x0f: 0x58 }));
    r.service.start();
    await r.settle();
    assert.deepEqual(r.faults.get("tank")?.[0], { code: "CHIP_ID", error: "expected chip id 0x42, got 0x58", retry_in_s: 1, failures: 1 });
    await r.service.stop();
  });

  it("a reading that is not a finite number is a fault, not a message", async () => {
    const r = rig([{ id: "tank", kind: "probe", scale: Number.POSITIVE_INFINITY }]);
    r.hal.i2cBus(1).attach(0x40, new RegisterMap({ 0x0f: 0x42, 0x10: 1 }));
    r.service.start();
    await r.settle();
    assert.equal(r.faults.get("tank")?.[0]?.code, "BAD_READING");
    assert.ok(!r.sent.some((text) => text.startsWith("SENSOR: tank {")));
    await r.service.stop();
  });

  it("republishes every sensor's latest reading, state and fault for a late subscriber", async () => {
    const r = rig([
      { id: "front", kind: "door", pin: 25 },
      { id: "tank", kind: "probe" },
      { id: "typo", kind: "dor" },
    ]);
    r.hal.i2cBus(1).attach(0x40, new RegisterMap({ 0x0f: 0x42, 0x10: 255 }));
    r.service.start();
    await r.settle();
    r.sent.length = 0;
    assert.equal(r.service.republish(), 3);
    assert.deepEqual(r.sent, ["DOOR: front closed", 'SENSOR: tank {"level_pct":100}', "SENSOR: typo fault UNKNOWN_KIND"]);
    await r.service.stop();
  });
});
