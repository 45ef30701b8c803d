import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/main.js", import.meta.url));
const REPO = path.resolve(fileURLToPath(new URL("../../../../", import.meta.url)));
const scratch = mkdtempSync(path.join(tmpdir(), "roomguard-check-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** `roomguard check ARGS` to completion. */
function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, "check", ...args], { env: { ...process.env, ROOMGUARD_CONFIG: "" } }, (error, stdout, stderr) =>
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    ),
  );
}

function configFile(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe("roomguard check", () => {
  it("passes the checkout's config and prints its services and pin plan, with pulls and physical pins", async () => {
    const { code, stdout } = await check(["--config", path.join(REPO, "roomguard.yaml")]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^services: router, alarm, keypad, sensors, music-player, web \(launcher\.services is not given/m);
    assert.match(stdout, /^BCM +pin +owner +direction +pull +purpose +key$/m);
    assert.match(stdout, /^5 +29 +keypad +in +up +button LEFT +keypad\.buttons\.LEFT$/m);
    assert.match(stdout, /^24 +18 +sensors +in +down +PIR "hall" +sensors\[hall\]\.pin$/m);
    assert.match(stdout, /^2 +3 +sensors +i2c +board +I2C SDA +sensors\[climate\]\.i2cAddress$/m);
    assert.match(stdout, /^ {2}0x76 {2}BME280 "climate"/m);
    assert.match(stdout, /^ok: no problems found$/m);
  });

  it("lists every problem with its key and the service it stops, and exits 78", async () => {
    const file = configFile(
      "clash.yaml",
      [
        "keypad:",
        "  buttons: { LEFT: 25, RIGHT: 2 }",
        "sensors:",
        "  - { id: front, kind: door, pin: 25 }",
        "  - { id: climate, kind: bme280 }",
        "  - { id: bath, kind: door, pin: 40 }",
        "launcher:",
        "  services: [keypad, sensors, alarn]",
      ].join("\n"),
    );
    const { code, stdout } = await check(["--config", file]);
    assert.equal(code, 78, stdout);
    assert.match(stdout, /^4 problems/m);
    for (const line of [
      '  - launcher.services[2]: unknown service "alarn"; installed: alarm, keypad, sensors, music-player, web, mqtt-bridge, bridge  [launcher]',
      "  - sensors[bath]: pin: expected a BCM GPIO on the 40-pin header (2-27), got 40  [sensors]",
      "  - keypad.buttons.RIGHT: BCM 2 (pin 3, I2C SDA) is the I2C bus, used by sensors[climate].i2cAddress: each pin can do one job; choose another  [keypad]",
      "  - sensors[front].pin: BCM 25 (pin 22) is already used by keypad.buttons.LEFT: each pin can do one job; choose another  [sensors]",
    ])
      assert.ok(stdout.includes(`${line}\n`), `missing: ${line}\n${stdout}`);
    // The plan still shows what is valid: the first user keeps the pin.
    assert.match(stdout, /^25 +22 +keypad +in +up +button LEFT/m);
  });

  it("refuses a config the schema refuses, naming the key and line, with exit 78", async () => {
    const file = configFile("schema.yaml", "keypad:\n  holdMs: soon\n");
    const { code, stderr } = await check(["--config", file]);
    assert.equal(code, 78);
    assert.match(stderr, /keypad\.holdMs: expected a number, got "soon" \(.*schema\.yaml:2\)/);
  });

  it("--json gives the same as one object", async () => {
    const file = configFile("json.yaml", "sensors:\n  - { id: front, kind: door, pin: 5 }\n");
    const { code, stdout } = await check(["--config", file, "--json"]);
    assert.equal(code, 78);
    const result = JSON.parse(stdout) as {
      services: string[];
      plan: { pins: Array<{ bcm: number; key: string }> };
      issues: Array<{ path: string; owner: string }>;
    };
    assert.deepEqual(result.services, ["router", "alarm", "keypad", "sensors", "music-player", "web"]);
    assert.deepEqual(
      result.issues.map((issue) => [issue.owner, issue.path]),
      [["sensors", "sensors[front].pin"]],
    );
    assert.equal(result.plan.pins.find((pin) => pin.bcm === 5)?.key, "keypad.buttons.LEFT");
  });
});

describe("roomguard check and a bus on the LAN", () => {
  it("refuses it without CURVE keys, naming the file and the fix; takes it after keys init; refuses a secret others may read", async () => {
    const keys = path.join(scratch, "lan-keys");
    const file = configFile(
      "lan.yaml",
      `bus: { in: "tcp://192.0.2.10:5556", out: "tcp://192.0.2.10:5555", keys: ${JSON.stringify(keys)} }\n`,
    );
    const missing = await check(["--config", file]);
    assert.equal(missing.code, 78, missing.stdout);
    assert.match(
      missing.stdout,
      /bus\.keys: tcp:\/\/192\.0\.2\.10:5556 is not loopback or ipc, so it needs CURVE keys: .*router\.key_secret does not exist: `roomguard keys init` creates the keys/,
    );

    const init = await new Promise<number>((resolve) =>
      execFile(process.execPath, [CLI, "keys", "init", "--config", file], (error) =>
        resolve(typeof error?.code === "number" ? error.code : 0),
      ),
    );
    assert.equal(init, 0);
    const ok = await check(["--config", file]);
    assert.equal(ok.code, 0, ok.stdout);

    chmodSync(path.join(keys, "host.key_secret"), 0o644);
    const loose = await check(["--config", file]);
    assert.equal(loose.code, 78, loose.stdout);
    assert.match(loose.stdout, /host\.key_secret is readable by others \(mode 644\): a secret key must be private\. Fix: chmod 600 /);
  });
});
