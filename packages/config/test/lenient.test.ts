import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../src/errors.js";
import { loadConfig, loadConfigLeniently } from "../src/load.js";

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "roomguard-lenient-")), "roomguard.yaml");
  writeFileSync(file, text);
  return file;
}

const CONTROL = "launcher:\n  control: ipc:///run/test/ctl.sock # the launcher's socket\n";

describe("loadConfigLeniently", () => {
  it("gives a valid config as loadConfig does, and tells given keys from defaults", () => {
    const file = configFile(`bus:\n  heartbeatIntervalS: 2\n${CONTROL}`);
    const lenient = loadConfigLeniently({ configPath: file, env: {} });
    assert.equal(lenient.error, null);
    assert.deepEqual(lenient.config, loadConfig({ configPath: file, env: {} }).config);
    assert.equal(lenient.file, file);
    assert.equal(lenient.isGiven("launcher.control"), true);
    assert.equal(lenient.isGiven("bus.heartbeatIntervalS"), true);
    assert.equal(lenient.isGiven("bus.in"), false);
  });

  it("keeps every valid key of an invalid config; each invalid one takes its default", () => {
    const file = configFile(
      `music:\n  keymap:\n    LEFT: 5\n    RIGHT: next\n  volumeKnob: 3\n${CONTROL}` +
        "bus:\n  out: ipc:///run/test/out.sock\nalarm:\n  requests: tcp://10.0.0.1:5558\n",
    );
    const lenient = loadConfigLeniently({ configPath: file, env: {} });
    assert.ok(lenient.error instanceof ConfigError);
    assert.deepEqual(
      lenient.error.issues.map((issue) => issue.path),
      ["music.keymap.LEFT", "music.volumeKnob"],
      "what loadConfig reports (the schema first; the rule about loopback comes once the schema is met)",
    );
    assert.deepEqual(lenient.config.music.keymap, { RIGHT: "next" });
    assert.equal(lenient.config.launcher.control, "ipc:///run/test/ctl.sock");
    assert.equal(lenient.config.bus.out, "ipc:///run/test/out.sock");
    assert.equal(lenient.config.alarm.requests, "tcp://127.0.0.1:5558", "a non-loopback request socket is refused, found in a later round");
    assert.equal(lenient.isGiven("alarm.requests"), false);
  });

  it("takes a list as a whole, and a section whose keys break a rule between them", () => {
    const file = configFile(
      "sensors:\n  - { id: front, kind: door, pin: 25 }\n  - { id: Bad Id, kind: pir }\n" +
        "router:\n  journal:\n    segmentBytes: 100000000\n    dir: /var/j\n",
    );
    const { config, error } = loadConfigLeniently({ configPath: file, env: {} });
    assert.ok(error);
    assert.deepEqual(config.sensors, []);
    assert.equal(config.router.journal.dir, "var/journal", "the whole journal section: maxBytes was never given");
  });

  it("reads the one-line settings of a file YAML cannot parse", () => {
    const file = configFile(`music:\n  keymap: { LEFT: [unclosed\n${CONTROL}bus:\n  maxMessageSize: lots\n  heartbeatIntervalS: 2\n`);
    const { config, error, isGiven } = loadConfigLeniently({ configPath: file, env: {} });
    assert.match(error?.message ?? "", /YAML syntax/);
    assert.equal(config.launcher.control, "ipc:///run/test/ctl.sock");
    assert.equal(config.bus.heartbeatIntervalS, 2);
    assert.equal(config.bus.maxMessageSize, 65536, "a wrong one-line value takes the default too");
    assert.equal(isGiven("bus.maxMessageSize"), false);
    assert.deepEqual(config.music.keymap.LEFT, "previous");
  });

  it("applies valid environment overrides and drops invalid ones", () => {
    const file = configFile(CONTROL);
    const { config, error } = loadConfigLeniently({
      configPath: file,
      env: { ROOMGUARD_BUS_HEARTBEAT_INTERVAL_S: "3", ROOMGUARD_BUS_MAX_MESSAGE_SIZE: "-1", ROOMGUARD_NO_SUCH_KEY: "1" },
    });
    assert.equal(error?.issues.length, 1);
    assert.match(error?.issues[0]?.message ?? "", /ROOMGUARD_NO_SUCH_KEY names no config key/);
    assert.equal(config.bus.heartbeatIntervalS, 3);
    assert.equal(config.bus.maxMessageSize, 65536);
  });

  it("still refuses a named file that does not exist", () => {
    assert.throws(() => loadConfigLeniently({ configPath: "/no/such/roomguard.yaml", env: {} }), ConfigError);
  });
});
