import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { waitUntil } from "@roomguard/runtime/testing";
import { CHIP_LAYOUTS, mountFakeGpio, runInPrivateMountNamespace, type FakeGpio } from "../src/fake-sysfs/index.js";
import { createOnoffHal, HalError, type Level } from "../src/index.js";

// Unmodified onoff against a FUSE fake of /sys/class/gpio, in a private mount namespace:
// export, direction, active_low, epoll edge interrupts and onoff's debounce all run for real.
runInPrivateMountNamespace();

/** Waits until `levels` holds `count` levels; real interrupts arrive on their own schedule. */
async function levelsSeen(levels: readonly Level[], count: number, what: string): Promise<void> {
  await waitUntil(() => levels, { what, until: (seen) => seen.length >= count, timeoutMs: 2000, intervalMs: 5 });
}

for (const [layout, chips] of Object.entries(CHIP_LAYOUTS)) {
  const base = chips.find((chip) => chip.label.startsWith("pinctrl-"))?.base ?? -1;

  describe(`onoff backend on the ${layout} layout (header chip base ${base})`, () => {
    let fake: FakeGpio;
    before(async () => {
      fake = await mountFakeGpio({ chips });
    });
    after(async () => {
      await fake.unmount();
    });

    it(`exports BCM 17 as sysfs gpio${base + 17} and reads it`, () => {
      const hal = createOnoffHal();
      const button = hal.openInput(17, { activeLow: true });
      assert.deepEqual(fake.exported(), [base + 17]);
      assert.equal(button.read(), 0);
      fake.setLine(base + 17, 0);
      assert.equal(button.read(), 1);
      hal.close();
      assert.deepEqual(fake.exported(), [], "close unexports");
    });

    it("reports edges through epoll, debounced by onoff: a bouncing press is one change", async () => {
      const hal = createOnoffHal();
      const button = hal.openInput(17, { activeLow: true, debounceMs: 20 });
      const levels: Level[] = [];
      button.watch((level) => levels.push(level));
      for (const level of [0, 1, 0, 1, 0] as const) fake.setLine(base + 17, level);
      await levelsSeen(levels, 1, "the press");
      assert.deepEqual(levels, [1]);
      fake.setLine(base + 17, 1);
      await levelsSeen(levels, 2, "the release");
      assert.deepEqual(levels, [1, 0]);
      await delay(60);
      assert.deepEqual(levels, [1, 0], "nothing more");
      hal.close();
    });

    it("reports only the edges asked for", async () => {
      const hal = createOnoffHal();
      // Closed also when an assertion fails: a pin left watched outlives the fake.
      try {
        const door = hal.openInput(22, { edge: "rising" });
        const levels: Level[] = [];
        door.watch((level) => levels.push(level));
        // A witness pin that reports every edge: interrupts come in the order the edges happen (one
        // epoll queue), so once the witness's edge is seen, a falling edge of the door before it would have been.
        const witness = hal.openInput(24, { edge: "both" });
        const witnessed: Level[] = [];
        witness.watch((level) => witnessed.push(level));
        fake.setLine(base + 22, 0);
        fake.setLine(base + 24, fake.line(base + 24) === 1 ? 0 : 1);
        await levelsSeen(witnessed, 1, "the witness pin's edge");
        assert.deepEqual(levels, [], "the falling edge is not reported");
        fake.setLine(base + 22, 1);
        await levelsSeen(levels, 1, "the rising edge");
        assert.deepEqual(levels, [1]);
      } finally {
        hal.close();
      }
    });

    it("drives outputs, push-pull (activeLow too) and open-drain", () => {
      const hal = createOnoffHal();
      const led = hal.openOutput(18, { initial: 1 });
      assert.equal(fake.line(base + 18), 1);
      led.write(0);
      assert.equal(fake.line(base + 18), 0);
      const relay = hal.openOutput(23, { activeLow: true });
      assert.equal(fake.line(base + 23), 1, "inactive is high");
      relay.write(1);
      assert.equal(fake.line(base + 23), 0);
      const row = hal.openOutput(5, { drive: "open-drain", initial: 1 });
      assert.equal(fake.line(base + 5), 1, "released: the pull-up");
      row.write(0);
      assert.equal(fake.line(base + 5), 0);
      row.write(1);
      assert.equal(fake.line(base + 5), 1);
      hal.close();
    });
  });
}

describe("onoff backend errors", () => {
  it("a pin held by a kernel driver is PIN_BUSY, naming the BCM and sysfs numbers", async () => {
    const fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi4, busy: [512 + 4] });
    try {
      const hal = createOnoffHal();
      assert.throws(
        () => hal.openInput(4),
        (error: unknown) =>
          error instanceof HalError &&
          error.code === "PIN_BUSY" &&
          /BCM 4 \(pin 7, 1-Wire \(default\)\) \(sysfs gpio516\) is busy/.test(error.message),
      );
      assert.doesNotThrow(() => hal.openInput(17), "other pins still open");
      hal.close();
    } finally {
      await fake.unmount();
    }
  });

  it("no permission on export is PERMISSION_DENIED with the gpio group hint", async () => {
    const fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi4, denyExport: true });
    try {
      const hal = createOnoffHal();
      assert.throws(
        () => hal.openInput(17),
        (error: unknown) => error instanceof HalError && error.code === "PERMISSION_DENIED" && /usermod -aG gpio/.test(error.message),
      );
    } finally {
      await fake.unmount();
    }
  });

  it("plain BCM numbers on a based kernel are what onoff #199 saw: EINVAL; we translate", async () => {
    const fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi4 });
    try {
      const { Gpio } = (await import("onoff")).default;
      assert.throws(() => new Gpio(17, "in"), { code: "EINVAL" });
      const hal = createOnoffHal();
      hal.openInput(17);
      assert.deepEqual(fake.exported(), [529]);
      hal.close();
    } finally {
      await fake.unmount();
    }
  });
});
