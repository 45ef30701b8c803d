import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError, validateConfig, type LoadedConfig } from "@roomguard/config";
import { BrokerPasswordError, readBrokerPassword } from "../src/broker-password.js";
import { brokerLinkOptions } from "../src/bridge-process.js";
import { checkConfig, mqttConfigIssues } from "../src/check-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "mqtt-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function loaded(mqtt: Record<string, unknown>): LoadedConfig {
  const result = validateConfig({ mqtt });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return { config: result.config, file: path.join(dir, "roomguard.yaml"), baseDir: dir };
}

function file(name: string, text: string, mode = 0o600): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  chmodSync(at, mode);
  return at;
}

const issuesOf = (mqtt: Record<string, unknown>) => mqttConfigIssues(loaded(mqtt)).map((issue) => `${issue.path}: ${issue.message}`);

describe("the MQTT bridge's config check", () => {
  it("passes a plain URL, a login with each kind of password, and mqtts without a CA (the system's CAs)", async () => {
    file("pw", "s3cret\n");
    assert.deepEqual(issuesOf({ url: "mqtt://broker.local:1883" }), []);
    assert.deepEqual(issuesOf({ url: "mqtt://broker.local", username: "rg", password: "inline" }), []);
    assert.deepEqual(issuesOf({ url: "mqtt://broker.local", username: "rg", passwordFile: "pw" }), []);
    assert.deepEqual(issuesOf({ url: "mqtt://broker.local", username: "rg", passwordEnv: "RG_MQTT_PASSWORD" }), []);
    assert.deepEqual(issuesOf({ url: "mqtts://broker.local:8883" }), []);
    assert.deepEqual(issuesOf({ url: "wss://broker.local/mqtt" }), []);
    assert.deepEqual(await checkConfig(loaded({ url: "mqtt://broker.local" })), { issues: [], hardware: [] });
  });

  it("names a URL that is off or unusable, or carries a login", () => {
    assert.deepEqual(issuesOf({}), ["mqtt.url: expected a broker URL for the bridge to connect to, got null (the bridge is off)"]);
    assert.match(issuesOf({ url: "mqtt://broker.local:99999" }).join(), /^mqtt\.url: expected a URL with a valid host and port/);
    assert.match(issuesOf({ url: "mqtt://rg:secret@broker.local" }).join(), /^mqtt\.url: expected no user name or password in the URL/);
  });

  it("refuses two password sources, naming them", () => {
    assert.deepEqual(issuesOf({ url: "mqtt://b", password: "a", passwordEnv: "X" }), [
      "mqtt.passwordEnv: expected at most one of mqtt.password, mqtt.passwordFile and mqtt.passwordEnv, got mqtt.password and mqtt.passwordEnv",
    ]);
  });

  it("names a password file that is missing, readable by others (chmod 600), or empty", () => {
    assert.match(
      issuesOf({ url: "mqtt://b", passwordFile: "nope" }).join(),
      /mqtt\.passwordFile: expected a readable file .*nope \(ENOENT\)/,
    );
    const open = file("open-pw", "s3cret\n", 0o644);
    assert.deepEqual(issuesOf({ url: "mqtt://b", passwordFile: "open-pw" }), [
      `mqtt.passwordFile: expected a file only its owner can read, got ${open} readable by everyone (mode 644): chmod 600 ${open}`,
    ]);
    const group = file("group-pw", "s3cret\n", 0o640);
    assert.match(
      issuesOf({ url: "mqtt://b", passwordFile: "group-pw" }).join(),
      new RegExp(`readable by its group \\(mode 640\\): chmod 600 ${group}`),
    );
    file("empty-pw", "\nsecond line\n");
    assert.match(issuesOf({ url: "mqtt://b", passwordFile: "empty-pw" }).join(), /first line .* got an empty line/);
  });

  it("names a CA file that is missing or no PEM certificate, and a CA without TLS", () => {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=ca"].concat([
        "-keyout",
        path.join(dir, "ca.key"),
        "-out",
        path.join(dir, "ca.crt"),
      ]),
      {
        stdio: "ignore",
      },
    );
    assert.deepEqual(issuesOf({ url: "mqtts://b", tls: { ca: "ca.crt" } }), []);
    assert.match(
      issuesOf({ url: "mqtts://b", tls: { ca: "missing.crt" } }).join(),
      /^mqtt\.tls\.ca: expected a readable CA certificate file, got .*missing\.crt \(ENOENT\)$/,
    );
    assert.match(
      issuesOf({ url: "mqtts://b", tls: { ca: "ca.key" } }).join(),
      /^mqtt\.tls\.ca: expected a PEM certificate \(-----BEGIN CERTIFICATE-----\), got .*ca\.key without one$/,
    );
    file("broken.crt", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", 0o644);
    assert.match(
      issuesOf({ url: "mqtts://b", tls: { ca: "broken.crt" } }).join(),
      /^mqtt\.tls\.ca: expected a PEM certificate, got .*broken\.crt that does not parse/,
    );
    assert.match(
      issuesOf({ url: "mqtt://b", tls: { ca: "ca.crt" } }).join(),
      /^mqtt\.tls\.ca: expected mqtts:\/\/ or wss:\/\/ in mqtt\.url/,
    );
  });
});

describe("the broker password", () => {
  it("comes from the config, the file's first line (relative to the config's directory), or the environment", () => {
    file("pw-crlf", "from file\r\nsecond\n");
    assert.equal(readBrokerPassword(loaded({ password: "inline" }), {}), "inline");
    assert.equal(readBrokerPassword(loaded({ passwordFile: "pw-crlf" }), {}), "from file");
    assert.equal(readBrokerPassword(loaded({ passwordEnv: "RG_PW" }), { RG_PW: "from env" }), "from env");
    assert.equal(readBrokerPassword(loaded({}), { RG_PW: "x" }), undefined);
  });

  it("fails naming the missing file or variable, or the two sources", () => {
    const fails = (mqtt: Record<string, unknown>, env: NodeJS.ProcessEnv, path: string, message: RegExp): void => {
      assert.throws(
        () => readBrokerPassword(loaded(mqtt), env),
        (error) => error instanceof BrokerPasswordError && error.path === path && message.test(error.message),
      );
    };
    fails({ passwordEnv: "RG_PW" }, {}, "mqtt.passwordEnv", /environment variable RG_PW .* got no such variable/);
    fails({ passwordEnv: "RG_PW" }, { RG_PW: "" }, "mqtt.passwordEnv", /RG_PW .* got an empty one/);
    fails({ passwordFile: "no-such-file" }, {}, "mqtt.passwordFile", /no-such-file \(ENOENT\)/);
    fails({ password: "a", passwordFile: "pw" }, {}, "mqtt.passwordFile", /at most one of/);
  });

  it("brokerLinkOptions turns a missing one into a ConfigError (exit 78) and fills in the client id", () => {
    assert.throws(
      () => brokerLinkOptions(loaded({ url: "mqtt://b", username: "rg", passwordEnv: "RG_PW" }), {}, "pi"),
      (error) => error instanceof ConfigError && error.issues[0]?.path === "mqtt.passwordEnv",
    );
    const options = brokerLinkOptions(loaded({ url: "mqtt://b", username: "rg", passwordEnv: "RG_PW" }), { RG_PW: "pw" }, "pi");
    assert.equal(options.clientId, "roomguard-pi");
    assert.equal(options.password, "pw");
    assert.equal(options.username, "rg");
    assert.equal(options.baseTopic, "roomguard");
    assert.equal(brokerLinkOptions(loaded({ url: "mqtt://b", clientId: "mine" }), {}, "pi").clientId, "mine");
  });
});
