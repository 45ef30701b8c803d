import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatIssue } from "../src/errors.js";
import { validateConfig } from "../src/validate.js";

function issuesOf(document: unknown): string[] {
  const result = validateConfig(document);
  assert.equal(result.ok, false, "expected the document to be refused");
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe("validateConfig", () => {
  it("fills every default from an empty document", () => {
    const result = validateConfig({});
    assert.ok(result.ok);
    assert.equal(result.config.bus.in, "tcp://127.0.0.1:5556");
    assert.equal(result.config.bus.out, "tcp://127.0.0.1:5555");
    assert.equal(result.config.bus.maxMessageSize, 65536);
    assert.equal(result.config.router.acceptDeath, false);
    assert.equal(result.config.router.journal.enabled, true);
    assert.equal(result.config.router.journal.flushIntervalMs, 200);
  });

  it("treats a missing document (empty file) like an empty one", () => {
    assert.ok(validateConfig(null).ok);
    assert.ok(validateConfig(undefined).ok);
  });

  it("keeps given values and fills the rest of the section", () => {
    const result = validateConfig({ router: { journal: { dir: "/tmp/j" } } });
    assert.ok(result.ok);
    assert.equal(result.config.router.journal.dir, "/tmp/j");
    assert.equal(result.config.router.journal.segmentBytes, 8 * 1024 * 1024);
  });

  it("names the key path, what was expected and what came", () => {
    assert.deepEqual(issuesOf({ bus: { maxMessageSize: "big" } }), ['bus.maxMessageSize: expected a number, got "big"']);
    assert.deepEqual(issuesOf({ bus: { maxMessageSize: 1.5 } }), ["bus.maxMessageSize: expected a whole number, got 1.5"]);
    assert.deepEqual(issuesOf({ bus: { maxMessageSize: 10 } }), ["bus.maxMessageSize: expected at least 64, got 10"]);
    assert.deepEqual(issuesOf({ router: { journal: { flushIntervalMs: 5000 } } }), [
      "router.journal.flushIntervalMs: expected at most 1000, got 5000",
    ]);
    assert.deepEqual(issuesOf({ log: { level: "loud" } }), ['log.level: expected one of "debug", "info", "warn", "error", got "loud"']);
    assert.deepEqual(issuesOf({ router: { acceptDeath: "yes" } }), ['router.acceptDeath: expected true or false, got "yes"']);
    assert.deepEqual(issuesOf({ router: 3 }), ["router: expected a section (key: value lines), got 3"]);
  });

  it("refuses unknown keys and lists the known ones", () => {
    assert.deepEqual(issuesOf({ bus: { maxMesageSize: 100 } }), [
      "bus.maxMesageSize: unknown key (a typo?); expected one of: in, out, keys, lalapiPorts, maxMessageSize, heartbeatIntervalS, acceptStop",
    ]);
    assert.match(
      issuesOf({ routr: {} })[0] ?? "",
      /^routr: unknown key .*expected one of: bus, router, hardware, keypad, sensors, music, alarm, launcher, web, mqtt, bridge, log/,
    );
  });

  it("checks endpoints", () => {
    assert.match(issuesOf({ bus: { in: "localhost:5556" } })[0] ?? "", /^bus\.in: expected a ZeroMQ endpoint .*got "localhost:5556"/);
    const ok = validateConfig({ bus: { in: "ipc:///tmp/rg/in", out: "tcp://127.0.0.1:*" } });
    assert.ok(ok.ok);
  });

  it("takes a LAN bus endpoint (it is encrypted, with keys checked where they are read); the launcher and alarm requests stay local", () => {
    assert.ok(validateConfig({ bus: { out: "tcp://0.0.0.0:5555" } }).ok);
    assert.deepEqual(issuesOf({ launcher: { control: "tcp://0.0.0.0:5557" }, alarm: { requests: "tcp://192.168.1.2:5558" } }), [
      'launcher.control: expected a loopback or ipc endpoint, got "tcp://0.0.0.0:5557"',
      'alarm.requests: expected a loopback or ipc endpoint, got "tcp://192.168.1.2:5558"',
    ]);
  });

  it("bus.lalapiPorts cannot open a port bus.in or bus.out already is", () => {
    assert.deepEqual(issuesOf({ bus: { lalapiPorts: true } }), [
      "bus.in: bus.lalapiPorts adds 127.0.0.1:5556 beside bus.in, which already is port 5556: set bus.in to an ipc:// endpoint, or lalapiPorts to false",
      "bus.out: bus.lalapiPorts adds 127.0.0.1:5555 beside bus.out, which already is port 5555: set bus.out to an ipc:// endpoint, or lalapiPorts to false",
    ]);
    assert.ok(validateConfig({ bus: { lalapiPorts: true, in: "ipc:///run/roomguard/bus-in", out: "ipc:///run/roomguard/bus-out" } }).ok);
  });

  it("wants room for at least two journal segments", () => {
    assert.deepEqual(issuesOf({ router: { journal: { segmentBytes: 1048576, maxBytes: 1048576 } } }), [
      "router.journal.maxBytes: expected at least twice router.journal.segmentBytes (2097152), got 1048576",
    ]);
  });

  it("reports every problem at once", () => {
    assert.equal(issuesOf({ bus: { maxMessageSize: "x", heartbeatIntervalS: -1 }, log: { format: "xml" } }).length, 3);
  });
});
