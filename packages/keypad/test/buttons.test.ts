import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSimHal } from "@roomguard/hal/sim";
import { ManualClock } from "@roomguard/runtime";
import { createKeypadService } from "../src/service.js";
import { configWith, recordingLogger } from "./helpers.js";

/** A keypad on the simulated board with a manual clock, and what it published. */
function keypadOnSim(keypad: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const hal = createSimHal({ clock });
  const sent: string[] = [];
  const { log, lines } = recordingLogger();
  const service = createKeypadService({
    keypad: configWith({ keypad }).keypad,
    hal,
    clock,
    log,
    publish: (text) => {
      sent.push(text);
      return Promise.resolve();
    },
  });
  service.start();
  const press = (pin: number) => hal.gpio.drive(pin, 0);
  const release = (pin: number) => hal.gpio.release(pin);
  return { clock, hal, sent, lines, service, press, release };
}

describe("keypad: buttons", () => {
  it("a press publishes exactly KEY: <NAME>, after the debounce window, once", () => {
    const k = keypadOnSim();
    k.press(5);
    k.clock.advance(19);
    assert.deepEqual(k.sent, []);
    k.clock.advance(1);
    assert.deepEqual(k.sent, ["KEY: LEFT"]);
    k.release(5);
    k.clock.advance(100);
    assert.deepEqual(k.sent, ["KEY: LEFT"], "a release publishes nothing");
    k.service.stop();
  });

  it("contact bounce is one press", () => {
    const k = keypadOnSim();
    for (let i = 0; i < 5; i++) {
      k.press(6);
      k.clock.advance(2);
      k.release(6);
      k.clock.advance(2);
    }
    k.press(6);
    k.clock.advance(50);
    assert.deepEqual(k.sent, ["KEY: RIGHT"]);
    k.service.stop();
  });

  it("every key of the default five-way pad has its name", () => {
    const k = keypadOnSim();
    for (const pin of [5, 6, 16, 20, 21]) {
      k.press(pin);
      k.clock.advance(30);
      k.release(pin);
      k.clock.advance(30);
    }
    assert.deepEqual(k.sent, ["KEY: LEFT", "KEY: RIGHT", "KEY: UP", "KEY: DOWN", "KEY: SELECT"]);
    k.service.stop();
  });

  it("a hold publishes KEY: <NAME> HOLD once; without repeat nothing more", () => {
    const k = keypadOnSim({ holdMs: 800 });
    k.press(21);
    k.clock.advance(20 + 799);
    assert.deepEqual(k.sent, ["KEY: SELECT"]);
    k.clock.advance(1);
    assert.deepEqual(k.sent, ["KEY: SELECT", "KEY: SELECT HOLD"]);
    k.clock.advance(5000);
    assert.equal(k.sent.length, 2);
    k.release(21);
    k.clock.advance(20);
    k.press(21);
    k.clock.advance(20 + 100);
    assert.deepEqual(k.sent.slice(2), ["KEY: SELECT"], "a new press starts over");
    k.service.stop();
  });

  it("auto-repeat re-sends KEY: <NAME> while held past the hold, and stops on release", () => {
    const k = keypadOnSim({ holdMs: 500, repeatMs: 100 });
    k.press(16);
    k.clock.advance(20 + 500 + 350);
    assert.deepEqual(k.sent, ["KEY: UP", "KEY: UP HOLD", "KEY: UP", "KEY: UP", "KEY: UP"]);
    k.release(16);
    k.clock.advance(1000);
    assert.equal(k.sent.length, 5);
    k.service.stop();
  });

  it("holdMs 0 never sends HOLD", () => {
    const k = keypadOnSim({ holdMs: 0 });
    k.press(5);
    k.clock.advance(10_000);
    assert.deepEqual(k.sent, ["KEY: LEFT"]);
    k.service.stop();
  });

  it("a key whose pin cannot be opened is reported; the others work", () => {
    const clock = new ManualClock();
    const hal = createSimHal({ clock });
    hal.openOutput(6); // somebody else holds RIGHT's pin
    const sent: string[] = [];
    const { log, lines } = recordingLogger();
    const service = createKeypadService({
      keypad: configWith({}).keypad,
      hal,
      clock,
      log,
      publish: (text) => (sent.push(text), Promise.resolve()),
    });
    service.start();
    assert.match(String((service.status().faults as Record<string, string>).RIGHT), /BCM 6 \(pin 31\) is already open/);
    assert.ok(lines.some((line) => line.msg === "key RIGHT is not available"));
    hal.gpio.drive(5, 0);
    clock.advance(20);
    assert.deepEqual(sent, ["KEY: LEFT"]);
    service.stop();
  });

  it("STATUS tells the mode, backend, presses and the last key", () => {
    const k = keypadOnSim();
    k.press(20);
    k.clock.advance(20);
    assert.deepEqual(k.service.status(), { mode: "buttons", backend: "sim", presses: 1, last_key: "DOWN", held: ["DOWN"] });
    k.service.stop();
  });
});
