import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { controlMessage, parseSubject, type BusMessage, type Subscription } from "@roomguard/bus";
import {
  busRig,
  nextMatching,
  startServiceProcess,
  startTestMosquitto,
  type BusRig,
  type ServiceProcess,
  type TestMosquitto,
} from "@roomguard/testing";
import { watchMqtt } from "./mqtt-watcher.js";

const main = fileURLToPath(new URL("../src/main.js", import.meta.url));
const log = { level: "debug", format: "json" };

interface Beat {
  broker?: string;
  problem?: string;
  pid?: number;
}

// At the top: busRig's own after() stops the router when the file's tests end.
const rig: BusRig = await busRig();
const heartbeats: Subscription<BusMessage> = rig.client.subscribe("HEARTBEAT: mqtt-bridge ");

describe("the mqtt-bridge process against a real Mosquitto and a real router", () => {
  const brokers: TestMosquitto[] = [];
  const processes: ServiceProcess[] = [];
  let number = 0;

  // Each test's bridges and brokers go when it ends: every bridge answers `CONTROL: mqtt-bridge STATUS`.
  afterEach(async () => {
    for (const child of processes.splice(0)) await child.stop("SIGKILL");
    for (const broker of brokers.splice(0)) await broker.stop();
  });
  after(() => heartbeats.close());

  const broker = async (options: Parameters<typeof startTestMosquitto>[0] = {}): Promise<TestMosquitto> => {
    const started = await startTestMosquitto(options);
    brokers.push(started);
    return started;
  };
  /** A bridge with its own client id and base topic; `dir` holds its config (and any password file). */
  const bridge = (mqtt: Record<string, unknown>, options: { env?: NodeJS.ProcessEnv; dir?: string } = {}) => {
    number++;
    const clientId = `roomguard-proc-${process.pid}-${number}`;
    const base = `proc${number}`;
    const child = startServiceProcess({
      name: "mqtt-bridge",
      main,
      config: { bus: { ...rig.endpoints, heartbeatIntervalS: 0.2 }, log, mqtt: { clientId, baseTopic: base, ...mqtt } },
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.dir === undefined ? {} : { dir: options.dir }),
    });
    processes.push(child);
    return { child, clientId, base };
  };
  /** The next heartbeat of process `pid` that `match`es. */
  const beat = async (pid: number | undefined, what: string, match: (beat: Beat) => boolean, timeoutMs = 8000): Promise<Beat> => {
    const message = await nextMatching(
      heartbeats,
      what,
      (candidate) => {
        const payload = parseSubject(candidate).payload as Beat;
        return payload.pid === pid && match(payload);
      },
      timeoutMs,
    );
    return parseSubject(message).payload as Beat;
  };

  it("kill -9 of the bridge: the broker publishes its will, offline", async () => {
    const mosquitto = await broker();
    const { child, base } = bridge({ url: mosquitto.url });
    const watcher = await watchMqtt(mosquitto.url, [`${base}/availability`]);
    await watcher.waitFor(`${base}/availability`, "online");
    await beat(child.child.pid, "a beat saying connected", (payload) => payload.broker === "connected" && payload.problem === undefined);
    await child.stop("SIGKILL");
    const offline = await watcher.waitFor(`${base}/availability`, "offline");
    assert.equal(offline.retain, false, "delivered live (the retained flag is only set for kept messages on subscribe)");
    await watcher.close();
  });

  it("SIGTERM: offline is published before a clean disconnect, exit 0", async () => {
    const mosquitto = await broker();
    const { child, base, clientId } = bridge({ url: mosquitto.url });
    const watcher = await watchMqtt(mosquitto.url, [`${base}/availability`]);
    await watcher.waitFor(`${base}/availability`, "online");
    assert.equal(await child.stop("SIGTERM"), 0);
    await watcher.waitFor(`${base}/availability`, "offline");
    // A clean DISCONNECT (mosquitto discards the will then): the offline came from the bridge itself.
    assert.match(mosquitto.stderr(), new RegExp(`Client ${clientId} disconnected\\.`));
    assert.doesNotMatch(mosquitto.stderr(), new RegExp(`Client ${clientId} closed its connection`));
    await watcher.close();
  });

  it("the broker killed and restarted: the problem says so, the bridge reconnects and says online again, and never exits", async () => {
    const mosquitto = await broker();
    const { child, base } = bridge({ url: mosquitto.url });
    const pid = child.child.pid;
    await beat(pid, "connected", (payload) => payload.broker === "connected");
    await mosquitto.kill();
    // The lost connection may first say EPIPE (a write on the dead socket); the next attempt is refused.
    const down = await beat(
      pid,
      "a beat with the broker down and the next attempt refused",
      (payload) => payload.problem === `cannot reach ${mosquitto.url}: ECONNREFUSED`,
      15_000,
    );
    assert.equal(down.broker, "down");
    await mosquitto.restart();
    await beat(pid, "connected again", (payload) => payload.broker === "connected" && payload.problem === undefined, 30_000); // the backoff may be at 4 or 8 s when the broker is back
    // The restarted broker kept nothing: this online was published at the reconnection.
    const watcher = await watchMqtt(mosquitto.url, [`${base}/availability`]);
    await watcher.waitFor(`${base}/availability`, "online");
    await watcher.close();
    assert.equal(child.lines.filter((line) => line.msg === `connected to ${mosquitto.url}`).length, 2, "connected twice");
    assert.equal(child.child.exitCode, null, "still running");
  });

  it("a wrong password: the heartbeat's problem says the login was refused, STATUS shows the link, and the process stays up", async () => {
    const mosquitto = await broker({ auth: { user: "roomguard", password: "right" } });
    const { child } = bridge({ url: mosquitto.url, username: "roomguard", password: "wrong" });
    const pid = child.child.pid;
    const refused = await beat(pid, "a refused login", (payload) => payload.problem?.startsWith("the broker refused the login") === true);
    // Mosquitto says "not authorized" to a wrong password (CONNACK 0x87).
    assert.equal(
      refused.problem,
      "the broker refused the login: bad user name or password, or not authorized (mqtt.username and mqtt.password, passwordFile or passwordEnv; the broker's ACL)",
    );
    assert.equal(refused.broker, "down");
    const statuses = rig.client.subscribe("STATUS: mqtt-bridge ");
    await rig.wanted("CONTROL: mqtt-bridge STATUS");
    await rig.client.publish(controlMessage("mqtt-bridge", "STATUS"));
    const status = parseSubject(await nextMatching(statuses, "STATUS: mqtt-bridge", () => true)).payload as {
      link: { state: string; attempts: number; lastFailure: string };
    };
    statuses.close();
    assert.equal(status.link.state, "down");
    assert.ok(status.link.attempts >= 1);
    assert.match(status.link.lastFailure, /refused the login/);
    // Still refused a few attempts later, and still running.
    await beat(pid, "another refused beat", (payload) => payload.problem?.startsWith("the broker refused the login") === true);
    assert.equal(child.child.exitCode, null);
    assert.ok(!child.lines.some((line) => JSON.stringify(line).includes("wrong")), "the password is in no log line");
  });

  it("the password from an environment variable and from a file (relative to the config); a missing one exits 78 naming it", async () => {
    const mosquitto = await broker({ auth: { user: "roomguard", password: "from somewhere" } });
    const fromEnv = bridge(
      { url: mosquitto.url, username: "roomguard", passwordEnv: "RG_TEST_MQTT_PASSWORD" },
      { env: { RG_TEST_MQTT_PASSWORD: "from somewhere" } },
    );
    await beat(fromEnv.child.child.pid, "connected with the env password", (payload) => payload.broker === "connected");

    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-mqtt-pw-"));
    writeFileSync(path.join(dir, "mqtt-password"), "from somewhere\n");
    chmodSync(path.join(dir, "mqtt-password"), 0o600);
    const fromFile = bridge({ url: mosquitto.url, username: "roomguard", passwordFile: "mqtt-password" }, { dir });
    await beat(fromFile.child.child.pid, "connected with the file's password", (payload) => payload.broker === "connected");

    const missing = bridge({ url: mosquitto.url, username: "roomguard", passwordEnv: "RG_TEST_MQTT_UNSET" });
    assert.equal(await missing.child.exited, 78);
    assert.ok(
      missing.child.lines.some((line) =>
        JSON.stringify(line).includes("mqtt.passwordEnv: expected the environment variable RG_TEST_MQTT_UNSET"),
      ),
      JSON.stringify(missing.child.lines.slice(-3)),
    );
    chmodSync(path.join(dir, "mqtt-password"), 0o644);
    const open = bridge({ url: mosquitto.url, username: "roomguard", passwordFile: "mqtt-password" }, { dir });
    assert.equal(await open.child.exited, 78);
    assert.ok(open.child.lines.some((line) => JSON.stringify(line).includes(`chmod 600 ${path.join(dir, "mqtt-password")}`)));
  });

  it("TLS: mqtts with the test CA connects; without it the problem names the TLS failure", async () => {
    const mosquitto = await broker({ tls: true });
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-mqtt-tls-"));
    copyFileSync(mosquitto.caFile ?? "", path.join(dir, "ca.crt"));
    const trusting = bridge({ url: mosquitto.url, tls: { ca: "ca.crt" } }, { dir });
    await beat(trusting.child.child.pid, "connected over TLS", (payload) => payload.broker === "connected");
    const untrusting = bridge({ url: mosquitto.url });
    const failed = await beat(untrusting.child.child.pid, "a TLS problem", (payload) => payload.problem?.startsWith("TLS to") === true);
    assert.match(failed.problem ?? "", new RegExp(`^TLS to ${mosquitto.url} failed: .*\\([A-Z_]+\\)`));
    assert.equal(untrusting.child.child.exitCode, null);
  });
});
