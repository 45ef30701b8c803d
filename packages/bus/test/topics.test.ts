import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkMessage } from "../src/message.js";
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
