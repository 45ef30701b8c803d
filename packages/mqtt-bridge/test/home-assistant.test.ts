// The bridge as Home Assistant meets it, on a real Mosquitto, a real router and a real alarm:
// discovery, states, arming with a code from MQTT (and a wrong one), HA's restart, a service's
// silence, a zone removed from the config — and no code in any log or publication.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { findServices } from "@roomguard/registry";
import { hashSecret } from "@roomguard/runtime";
import { busRig, nextMatching, startServiceProcess, startTestMosquitto, waitUntil, type ServiceProcess } from "@roomguard/testing";
import { watchMqtt } from "./mqtt-watcher.js";

const BRIDGE_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const ALARM_MAIN = findServices().find((service) => service.name === "alarm")?.main ?? "";
const CODE = "730591";
const WRONG = "926170";
const log = { level: "debug", format: "json" };

const rig = await busRig();
const mosquitto = await startTestMosquitto();
after(() => mosquitto.stop());
const dir = mkdtempSync(path.join(tmpdir(), "roomguard-ha-"));
const alarmConfig = {
  requests: `ipc://${rig.dir}/alarm.sock`,
  stateDir: `${dir}/alarm`,
  exitDelayS: 0,
  users: [{ name: "anna", role: "admin", pin: await hashSecret(CODE) }],
  zones: [
    { sensor: "front", type: "entry" },
    { sensor: "hall", type: "follower" },
  ],
};
const sensors = [
  { id: "climate", kind: "bme280" },
  { id: "front", kind: "door", pin: 25 },
  { id: "hall", kind: "pir", pin: 24 },
];
const alarm = rig.service("alarm", ALARM_MAIN, { hardware: { backend: "sim" }, sensors, alarm: alarmConfig });
const processes: ServiceProcess[] = [alarm];
after(async () => {
  for (const child of processes) await child.stop("SIGKILL");
});
// The sensor reader's part, played by the test: its heartbeats (without them the alarm puts every
// zone in trouble and refuses to arm) and the doors shut.
const sensorReader = setInterval(() => void rig.client.publish(`HEARTBEAT: sensors {"pid":${process.pid},"uptime_s":1}`), 100);
after(() => clearInterval(sensorReader));
// Its first heartbeat comes once its request socket is bound.
await nextMatching(rig.client.subscribe("HEARTBEAT: alarm "), "the alarm's first heartbeat", () => true, 15_000);

function bridge(zones = alarmConfig.zones): ServiceProcess {
  const child = startServiceProcess({
    name: "mqtt-bridge",
    main: BRIDGE_MAIN,
    config: {
      bus: { ...rig.endpoints, heartbeatIntervalS: 0.2 },
      log,
      hardware: { backend: "sim" },
      sensors,
      alarm: { ...alarmConfig, zones },
      mqtt: { url: mosquitto.url, clientId: "roomguard-ha-test", homeassistant: { nodeId: "roomguard_test" } },
    },
    dir,
  });
  processes.push(child);
  return child;
}

describe("Home Assistant through the MQTT bridge", { timeout: 120_000 }, () => {
  it("announces the alarm, zones and sensors, arms with a code from MQTT, refuses a wrong one, and leaks no code", async () => {
    let ha = await watchMqtt(mosquitto.url, ["homeassistant/#", "roomguard/#"]);
    after(() => ha.close());
    const events = rig.client.subscribe("ALARM: event ");
    // Everything on the bus, as the journal would keep it.
    const bus = rig.client.subscribe("");
    const onBus: string[] = [];
    void (async () => {
      for await (const message of bus) onBus.push(message.text);
    })();
    after(() => bus.close());
    const child = bridge();
    await ha.waitFor("roomguard/availability", "online", 15_000);

    // Discovery: retained, one per entity, each with its unique id and the availability of its service.
    const config = await waitUntil(
      () => ha.seen.find((message) => message.topic === "homeassistant/alarm_control_panel/roomguard_test/alarm/config"),
      { what: "the alarm panel's discovery config", timeoutMs: 10_000 },
    );
    // Retained: a client that comes later (Home Assistant after a restart) gets it from the broker.
    const later = await watchMqtt(mosquitto.url, [config.topic]);
    assert.equal((await later.waitFor(config.topic, config.payload)).retain, true);
    await later.close();
    const panel = JSON.parse(config.payload) as Record<string, unknown>;
    assert.equal(panel.code, "REMOTE_CODE");
    assert.equal(panel.unique_id, "roomguard_test_alarm");
    assert.equal(panel.command_topic, "roomguard/alarm/set");
    await waitUntil(() => ha.seen.some((message) => message.topic === "homeassistant/binary_sensor/roomguard_test/zone_hall/config"), {
      what: "the hall zone's config",
    });
    assert.ok(
      ha.seen.some((message) => /^homeassistant\/sensor\/roomguard_test\/sensor_climate__temperature_c\/config$/.test(message.topic)),
    );

    // The alarm's state reaches its state topic (the bridge asked for it at start).
    await ha.waitFor("roomguard/alarm/state", "disarmed", 10_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message.slice(0, 200)}; the bridge said: ${JSON.stringify(child.lines.slice(-15))}`);
    });

    await rig.client.publish("DOOR: front closed");
    await rig.client.publish("MOTION: hall off");
    // Home Assistant arms with a wrong code, then the right one, as its command_template sends them.
    await ha.client.publishAsync("roomguard/alarm/set", JSON.stringify({ command: "arm_away", code: WRONG }), { qos: 1 });
    const refused = await waitUntil(
      () => ha.seen.find((message) => message.topic === "roomguard/alarm/event" && message.payload.includes('"result":"wrong_code"')),
      { what: "the wrong code's result on the event topic" },
    );
    assert.ok(!refused.payload.includes(WRONG));
    const badCode = await nextMatching(events, "the alarm's bad_code event", (message) => message.text.includes('"kind":"bad_code"'));
    assert.match(badCode.text, /"source":"homeassistant"/, "the lockout counts it, from Home Assistant");
    await ha.client.publishAsync("roomguard/alarm/set", JSON.stringify({ command: "arm_away", code: CODE }), { qos: 1 });
    await ha.waitFor("roomguard/alarm/state", "armed_away", 10_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message.slice(0, 100)}; the bridge said: ${JSON.stringify(child.lines.slice(-6))}`);
    });
    const armed = await nextMatching(events, "the arm event", (message) => message.text.includes('"kind":"arm"'));
    assert.match(armed.text, /"user":"anna"/);
    assert.match(armed.text, /"source":"homeassistant"/);
    assert.match(armed.text, /"via":"mqtt"/);

    // In the audit trail too, with its source.
    await waitUntil(() => readFileSync(`${dir}/alarm/audit.jsonl`, "utf8").includes('"source":"homeassistant"'), {
      what: "the arm from Home Assistant in the audit trail",
    });

    // The broker dies and comes back empty (no retained messages kept): the bridge reconnects and sends everything again.
    await mosquitto.kill();
    await mosquitto.restart();
    const fresh = await watchMqtt(mosquitto.url, [
      "roomguard/alarm/state",
      "roomguard/availability",
      "homeassistant/alarm_control_panel/#",
    ]);
    await fresh.waitFor("roomguard/availability", "online", 30_000);
    await fresh.waitFor("roomguard/alarm/state", "armed_away", 10_000);
    await waitUntil(() => fresh.seen.some((message) => message.topic.endsWith("/alarm/config")), { what: "the panel's discovery again" });
    await fresh.close();
    const earlier = ha.seen;
    await ha.close();
    ha = await watchMqtt(mosquitto.url, ["homeassistant/#", "roomguard/#"]);

    // Home Assistant restarts: its `online` brings every state again.
    const before = ha.seen.length;
    ha.client.publish("homeassistant/status", "online");
    await waitUntil(
      () => ha.seen.slice(before).some((message) => message.topic === "roomguard/alarm/state" && message.payload === "armed_away"),
      {
        what: "the alarm's state again after homeassistant/status online",
      },
    );
    ha.client.publish("roomguard/alarm/set", JSON.stringify({ command: "disarm", code: CODE }));
    await ha.waitFor("roomguard/alarm/state", "disarmed", 10_000);

    // No code anywhere: every publication, the bridge's and the alarm's logs, the alarm's files.
    assert.equal(await child.stop(), 0);
    const leaks: string[] = [];
    // (The commands themselves, on roomguard/alarm/set, are Home Assistant's own, seen here as any subscriber would.)
    for (const message of [...earlier, ...ha.seen])
      if (message.topic !== "roomguard/alarm/set" && (message.payload.includes(CODE) || message.payload.includes(WRONG)))
        leaks.push(message.topic);
    for (const process of [child, alarm])
      if (JSON.stringify(process.lines).includes(CODE) || process.stderr().includes(CODE) || JSON.stringify(process.lines).includes(WRONG))
        leaks.push("a log");
    for (const file of readdirSync(`${dir}/alarm`)) if (readFileSync(`${dir}/alarm/${file}`, "utf8").includes(CODE)) leaks.push(file);
    // The bus carries no code, so the journal cannot hold one.
    for (const text of onBus) if (text.includes(CODE) || text.includes(WRONG)) leaks.push(`the bus: ${text.slice(0, 40)}`);
    assert.deepEqual(leaks, []);
    await ha.waitFor("roomguard/availability", "offline");
    events.close();
  });

  it("a zone left out of the config is removed from Home Assistant; a silent sensor reader makes its entities unavailable", async () => {
    const ha = await watchMqtt(mosquitto.url, ["homeassistant/#", "roomguard/#"]);
    after(() => ha.close());
    // The retained hall config from the first test is on the broker; this bridge's config has no hall.
    const child = bridge([{ sensor: "front", type: "entry" }]);
    await ha.waitFor("homeassistant/binary_sensor/roomguard_test/zone_hall/config", "", 15_000);
    await ha.waitFor("roomguard/availability", "online");

    // The sensor reader's heartbeats, then its silence: offline within two intervals (0.2 s each here).
    const online = await ha.waitFor("roomguard/service/sensors/availability", "online");
    clearInterval(sensorReader);
    const stoppedAt = Date.now();
    const since = ha.seen.indexOf(online);
    const offline = await waitUntil(
      () =>
        ha.seen
          .slice(since)
          .find(
            (message) =>
              message.topic === "roomguard/service/sensors/availability" && message.payload === "offline" && message.at >= stoppedAt,
          ),
      { what: "the sensor reader offline after its heartbeats stopped" },
    );
    assert.ok(offline.at - stoppedAt < 1000, `offline ${offline.at - stoppedAt} ms after the last heartbeat`);
    assert.equal(await child.stop(), 0);
  });
});
