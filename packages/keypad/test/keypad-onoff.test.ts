import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CHIP_LAYOUTS, mountFakeGpio, runInPrivateMountNamespace, type FakeGpio } from "@roomguard/hal/fake-sysfs";
import { keypadRig } from "./bus-fixture.js";

// The keypad process with the onoff backend against a FUSE fake of /sys/class/gpio (Pi 5
// layout: header chip at base 571), in a private mount namespace: real epoll interrupts.
runInPrivateMountNamespace();

describe("the keypad process on onoff (fake sysfs GPIO)", { timeout: 30_000 }, () => {
  let fake: FakeGpio;
  before(async () => {
    fake = await mountFakeGpio({ chips: CHIP_LAYOUTS.pi5 });
  });
  after(async () => {
    await fake.unmount();
  });

  it("a grounded button line becomes KEY: <NAME>, bounce and all; the pins are unexported at stop", async () => {
    const rig = await keypadRig();
    const keys = rig.client.subscribe("KEY:");
    await rig.wanted("KEY: LEFT");
    const keypad = rig.keypad({ hardware: { backend: "onoff" } });
    await keypad.waitForLog((line) => line.msg === "keypad ready");
    assert.deepEqual(
      fake.exported(),
      [5, 6, 16, 20, 21].map((bcm) => 571 + bcm),
    );

    for (const level of [0, 1, 0, 1, 0] as const) fake.setLine(571 + 5, level); // a bouncing contact
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: LEFT");
    fake.setLine(571 + 5, 1);
    fake.setLine(571 + 21, 0);
    assert.equal((await keys.nextWithin(3000))?.text, "KEY: SELECT");
    assert.equal(await keys.nextWithin(200), undefined, "one key each");

    assert.equal(await keypad.stop("SIGTERM"), 0);
    assert.deepEqual(fake.exported(), []);
  });
});
