import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkMessage, parseMessage, type ParseResult } from "../src/message.js";
import { parseSim, simGpioMessage, simLevelMessage, simPressMessage, simReadMessage } from "../src/sim.js";
import { controlMessage, heartbeatMessage, keyMessage, parseControl, parseKey, parseSubject, subjectMessage } from "../src/topics.js";

describe("KEY", () => {
  it("is exactly KEY: <NAME>, with HOLD for a held key", () => {
    assert.equal(keyMessage("LEFT"), "KEY: LEFT");
    assert.equal(keyMessage("5"), "KEY: 5");
    assert.equal(keyMessage("*"), "KEY: *");
    assert.equal(keyMessage("SELECT", { hold: true }), "KEY: SELECT HOLD");
    assert.throws(() => keyMessage("TWO WORDS"), { code: "ESUBJECT" });
  });

  it("parses key messages and nothing else", () => {
    assert.deepEqual(parseKey(checkMessage("KEY: LEFT")), { name: "LEFT", hold: false });
    assert.deepEqual(parseKey(checkMessage("KEY: #  ".trim())), { name: "#", hold: false });
    assert.deepEqual(parseKey(checkMessage("KEY: UP HOLD")), { name: "UP", hold: true });
    assert.equal(parseKey(checkMessage("KEY: UP DOWN")), null);
    assert.equal(parseKey(checkMessage("KEY: A B C")), null);
    assert.equal(parseKey(checkMessage("KEY:")), null);
    assert.equal(parseKey(checkMessage("DOOR: open")), null);
  });
});

describe("structured messages", () => {
  it("put JSON after a subject", () => {
    const text = subjectMessage("SENSOR", "hall", { temperature_c: 21.4 });
    assert.equal(text, 'SENSOR: hall {"temperature_c":21.4}');
    assert.deepEqual(parseSubject(checkMessage(text)), { subject: "hall", payload: { temperature_c: 21.4 } });
    assert.deepEqual(parseSubject(checkMessage("ROUTER: stats")), { subject: "stats", payload: undefined });
  });

  it("refuse a subject with spaces and JSON that is not JSON", () => {
    assert.throws(() => subjectMessage("SENSOR", "two words", {}), { code: "ESUBJECT" });
    assert.throws(() => parseSubject(checkMessage("SENSOR: hall {broken")), /expected JSON after "SENSOR: hall", got "\{broken"/);
    assert.throws(() => parseSubject(checkMessage("SENSOR:")), { code: "ESUBJECT" });
  });

  it("heartbeat carries pid and uptime", () => {
    assert.equal(heartbeatMessage("music-player", { pid: 42, uptime_s: 1.5 }), 'HEARTBEAT: music-player {"pid":42,"uptime_s":1.5}');
    assert.throws(() => heartbeatMessage("Music Player", { pid: 1, uptime_s: 0 }), { code: "ESUBJECT" });
  });
});

describe("CONTROL", () => {
  it("addresses a service or all, with optional JSON arguments", () => {
    assert.equal(controlMessage("keypad", "STATUS"), "CONTROL: keypad STATUS");
    assert.equal(controlMessage("all", "STOP"), "CONTROL: all STOP");
    assert.equal(controlMessage("alarm", "ARM", { pin: "1234" }), 'CONTROL: alarm ARM {"pin":"1234"}');
    assert.throws(() => controlMessage("keypad", "status"), { code: "ESUBJECT" });
  });

  it("parses what it builds and refuses the malformed", () => {
    assert.deepEqual(parseControl(checkMessage('CONTROL: alarm ARM {"pin":"1234"}')), {
      target: "alarm",
      command: "ARM",
      args: { pin: "1234" },
    });
    assert.deepEqual(parseControl(checkMessage("CONTROL: router STATUS")), { target: "router", command: "STATUS", args: undefined });
    assert.throws(() => parseControl(checkMessage("CONTROL: router")), { code: "ESUBJECT" });
    assert.throws(() => parseControl(checkMessage("CONTROL: router STATUS {x")), { code: "EPAYLOAD" });
  });
});

describe("SIM messages", () => {
  it("formats and parses presses and pin levels", () => {
    assert.equal(simPressMessage("LEFT"), "SIM: press LEFT");
    assert.equal(simPressMessage("#", 1500), "SIM: press # 1500");
    assert.equal(simGpioMessage(17, 0), "SIM: gpio 17 0");
    assert.deepEqual(parseSim(must(parseMessage("SIM: press LEFT"))), { command: "press", key: "LEFT", ms: undefined });
    assert.deepEqual(parseSim(must(parseMessage("SIM: press 5 250"))), { command: "press", key: "5", ms: 250 });
    assert.deepEqual(parseSim(must(parseMessage("SIM: gpio 17 1"))), { command: "gpio", pin: 17, level: 1 });
  });

  it("formats and parses a simulated output's level asked for and told", () => {
    assert.equal(simReadMessage(18), "SIM: read 18");
    assert.equal(simLevelMessage(18, 1, { service: "alarm", purpose: "siren" }), 'SIM: level 18 1 {"service":"alarm","purpose":"siren"}');
    assert.deepEqual(parseSim(must(parseMessage("SIM: read 18"))), { command: "read", pin: 18 });
    assert.deepEqual(parseSim(must(parseMessage('SIM: level 18 1 {"service":"alarm","purpose":"siren"}'))), {
      command: "level",
      pin: 18,
      level: 1,
      service: "alarm",
      purpose: "siren",
    });
    assert.deepEqual(parseSim(must(parseMessage('SIM: level 4 0 {"service":"alarm","purpose":"door chime buzzer"}'))), {
      command: "level",
      pin: 4,
      level: 0,
      service: "alarm",
      purpose: "door chime buzzer",
    });
    assert.throws(() => simReadMessage(28), /expected a BCM GPIO on the header \(0-27\), got 28/);
  });

  it("refuses malformed commands, saying the forms it takes", () => {
    for (const text of [
      "SIM: press",
      "SIM: press LEFT soon",
      "SIM: press LEFT 0",
      "SIM: gpio 17 2",
      "SIM: gpio x 1",
      "SIM: jump",
      "SIM: press A B C",
      "SIM: gpio 28 1", // off the header: a simulated board has no such pin
      "SIM: gpio 20000 1",
      "SIM: gpio 0017 1",
      "SIM: read",
      "SIM: read 28",
      "SIM: read 18 1",
      "SIM: read x",
      "SIM: level 18 1",
      'SIM: level 18 2 {"service":"alarm","purpose":"siren"}',
      'SIM: level 18 1 {"service":"Alarm!","purpose":"siren"}',
      'SIM: level 18 1 {"service":"alarm"}',
      "SIM: level 18 1 {oops}",
      'SIM: level 40 1 {"service":"alarm","purpose":"siren"}',
    ]) {
      assert.throws(
        () => parseSim(must(parseMessage(text))),
        /expected "SIM: press <KEY> \[ms\]", "SIM: gpio <bcm> <0\|1>", "SIM: read <bcm>" or "SIM: level <bcm> <0\|1> \{"service":…,"purpose":…\}"/,
        text,
      );
    }
    assert.throws(() => simPressMessage("LEFT", 0.5), /whole milliseconds/);
    assert.throws(() => simPressMessage("TWO WORDS"), /without spaces/);
    assert.throws(() => simGpioMessage(40, 1), /expected a BCM GPIO on the header \(0-27\), got 40/);
  });
});

function must(result: ParseResult) {
  assert.ok(result.ok, "a well-formed message");
  return result.message;
}
