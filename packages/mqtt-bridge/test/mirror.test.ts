// The generic mirror: chosen bus topics out, allowed ones back in, and no loop whatever is sent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage } from "@roomguard/bus";
import { ManualClock } from "@roomguard/runtime";
import { MqttCommands } from "../src/commands.js";
import { HaStates } from "../src/ha-states.js";
import { BusMirror, mirrorPublication, subjectLevel, type MirrorOptions } from "../src/mirror.js";
import type { Publication } from "../src/publication.js";
import { message, RecordingLogger } from "./fakes.js";

function rig(options: Partial<MirrorOptions> = {}) {
  const log = new RecordingLogger();
  const published: Publication[] = [];
  const bus: string[] = [];
  const mirror = new BusMirror({
    baseTopic: "rg",
    topics: ["KEY", "SENSOR:", "DEATH"],
    send: ["KEY"],
    publish: (publication) => published.push(publication),
    publishBus: (text) => {
      bus.push(text);
      return Promise.resolve();
    },
    log,
    ...options,
  });
  return { mirror, log, published, bus };
}

describe("mirrorPublication", () => {
  it("puts the subject in the topic and the rest in the payload, never retained", () => {
    const cases: [string, string, string][] = [
      ["KEY: LEFT", "rg/bus/KEY/LEFT", ""],
      ["KEY: LEFT HOLD", "rg/bus/KEY/LEFT", "HOLD"],
      ['SENSOR: climate {"temperature_c":21.5}', "rg/bus/SENSOR/climate", '{"temperature_c":21.5}'],
      ["DEATH", "rg/bus/DEATH", ""],
      ["KEY: #", "rg/bus/KEY/%23", ""],
      ["KEY: +", "rg/bus/KEY/%2B", ""],
      ["KEY: *", "rg/bus/KEY/*", ""],
      ["DOOR: a/b/# open", "rg/bus/DOOR/a%2Fb%2F%23", "open"],
      ["DOOR: é% x", "rg/bus/DOOR/%C3%A9%25", "x"],
      ["DOOR: $SYS x", "rg/bus/DOOR/%24SYS", "x"],
    ];
    for (const [text, topic, payload] of cases)
      assert.deepEqual(mirrorPublication("rg", message(text)), { topic, payload, retain: false }, text);
    assert.equal(decodeURIComponent(subjectLevel("a/b#+%é")), "a/b#+%é");
    assert.equal(mirrorPublication("rg", message(`KEY: ${"k".repeat(128)}`))?.topic, `rg/bus/KEY/${"k".repeat(128)}`);
    assert.equal(mirrorPublication("rg", message(`KEY: ${"k".repeat(129)}`)), null);
    assert.equal(mirrorPublication("rg", message(`KEY: ${"#".repeat(43)}`)), null, "129 bytes once encoded");
    assert.equal(mirrorPublication("rg", message("KEY:  LEFT")), null, "no subject");
  });
});

describe("BusMirror", () => {
  it("mirrors the configured topics only, never CONTROL or SIM", () => {
    const { mirror, published, log } = rig({ topics: ["KEY", "SENSOR:", "CONTROL", "SIM:", "KEY:"] });
    assert.deepEqual(mirror.busPrefixes, ["KEY", "SENSOR"]);
    assert.deepEqual(
      log.calls.map((call) => call.key),
      ["mirror CONTROL", "mirror SIM"],
    );
    assert.equal(mirror.take(message("KEY: LEFT")), true);
    assert.equal(mirror.take(message("KEYPAD: x")), false);
    assert.equal(mirror.take(message("CONTROL: music-player PLAY")), false);
    assert.equal(mirror.take(message("SIM: gpio 25 1")), false);
    assert.equal(mirror.take(message("ALARM: armed_away {}")), false);
    assert.deepEqual(
      published.map((p) => p.topic),
      ["rg/bus/KEY/LEFT"],
    );
  });

  it("puts a send message on the bus only for an allowed topic, never a forged ALARM, CONTROL, SIM or HEARTBEAT", async () => {
    const { mirror, bus, log } = rig({ send: ["KEY", "DOOR", "ALARM:", "CONTROL", "SIM", "HEARTBEAT", "STATUS", "DEATH"] });
    assert.deepEqual(mirror.subscriptions, ["rg/send"]);
    assert.deepEqual(
      log.calls.map((call) => call.key),
      ["send ALARM", "send CONTROL", "send SIM", "send HEARTBEAT", "send STATUS", "send DEATH"],
      "the config's forbidden topics said once, at start",
    );
    assert.deepEqual(await mirror.send("KEY: LEFT"), { sent: true, topic: "KEY" });
    assert.deepEqual(await mirror.send(Buffer.from("DOOR: front open")), { sent: true, topic: "DOOR" });
    const refused = [
      'ALARM: disarmed {"state":"disarmed"}',
      'ALARM: event {"kind":"disarm"}',
      "CONTROL: all STOP",
      "SIM: gpio 25 1",
      'HEARTBEAT: sensors {"pid":1}',
      'STATUS: music-player {"id":"x","accepted":"PLAY"}',
      "DEATH",
      'SENSOR: climate {"temperature_c":99}',
      "not a message",
      "",
    ];
    for (const text of refused) assert.equal((await mirror.send(text)).sent, false, text);
    assert.equal((await mirror.send(Buffer.from([0x4b, 0x45, 0x59, 0x3a, 0x20, 0xff]))).sent, false, "not UTF-8");
    assert.equal((await mirror.send("KEY: LEFT", true)).sent, false, "retained");
    assert.deepEqual(bus, ["KEY: LEFT", "DOOR: front open"]);
    const outcome = await mirror.send('ALARM: triggered {"state":"triggered"}');
    assert.match(!outcome.sent ? outcome.reason : "", /never taken from MQTT: .*security state/);
  });

  it("logs each refusal once per topic, however many come", async () => {
    const { mirror, log, bus } = rig({ maxMessageSize: 100 });
    for (let i = 0; i < 1000; i++) {
      await mirror.send(`ALARM: disarmed {"n":${i}}`);
      await mirror.send(`SENSOR: s${i} {}`);
      await mirror.send(`garbage ${i}`);
      await mirror.send(`KEY: ${"x".repeat(100)}`);
    }
    assert.deepEqual(bus, []);
    assert.deepEqual(
      log.calls.map((call) => call.key),
      ["send refused topic ALARM", "send refused topic SENSOR", "send refused malformed ETOPIC", "send refused malformed EMSGSIZE"],
    );
    assert.equal(mirror.refused.get("topic ALARM"), 1000);
  });

  it("subscribes to nothing when send allows no topic", () => {
    assert.deepEqual(rig({ send: [] }).mirror.subscriptions, []);
    assert.deepEqual(rig({ send: ["CONTROL", "ALARM"] }).mirror.subscriptions, []);
  });
});

/** MQTT topic filter matching (`+` one level, `#` the rest), as a broker does. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * Bridges as the process wires them (states, commands, mirror) on one fake broker and one fake
 * bus: the broker delivers each publication to every bridge subscription that matches it, the bus
 * (like the router) every message to every bridge. Deliveries are counted, with a cap so a loop
 * fails the test instead of hanging it.
 */
function house(bases: string[]) {
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const broker: Publication[] = [];
  const busLog: string[] = [];
  const work: (() => Promise<void>)[] = [];
  const bridges = bases.map((base) => {
    const publish = (publication: Publication): void => {
      broker.push(publication);
      work.push(() => deliver(publication));
    };
    const publishBus = (text: string): Promise<void> => {
      busLog.push(text);
      work.push(() => {
        const parsed = parseMessage(text);
        assert.ok(parsed.ok);
        for (const bridge of bridges) {
          bridge.states.take(parsed.message);
          bridge.mirror.take(parsed.message);
        }
        return Promise.resolve();
      });
      return Promise.resolve();
    };
    const states = new HaStates({ baseTopic: base, zones: [], sensorIds: [], services: [], heartbeatIntervalS: 5, clock, log, publish });
    const commands = new MqttCommands({ baseTopic: base, alarm: () => Promise.resolve({}), publishBus, publish, clock, log });
    const mirror = new BusMirror({ baseTopic: base, topics: ["KEY"], send: ["KEY"], publish, publishBus, log });
    const subscriptions = [...commands.subscriptions, ...mirror.subscriptions, "homeassistant/status"];
    return { base, states, commands, mirror, subscriptions };
  });
  async function deliver(publication: Publication): Promise<void> {
    for (const bridge of bridges) {
      if (!bridge.subscriptions.some((filter) => matches(filter, publication.topic))) continue;
      if (publication.topic === `${bridge.base}/send`) await bridge.mirror.send(publication.payload);
      else if (publication.topic === "homeassistant/status") bridge.states.republishAll();
      else bridge.commands.take(publication.topic, publication.payload);
    }
  }
  /** An outside client publishes; runs until nothing moves (at most 1,000 steps). */
  async function publishFromOutside(topic: string, payload: string): Promise<void> {
    broker.push({ topic, payload, retain: false });
    await deliver({ topic, payload, retain: false });
    let steps = 0;
    for (let next = work.shift(); next !== undefined; next = work.shift()) {
      assert.ok(++steps < 1000, "the messages go round and round");
      await next();
      for (const bridge of bridges) await bridge.commands.idle();
    }
  }
  return { bridges, broker, busLog, publishFromOutside };
}

describe("no loops", () => {
  it("a message sent via send comes out on the mirror once and never again", async () => {
    const { broker, busLog, publishFromOutside, bridges } = house(["rg"]);
    assert.deepEqual(bridges[0]?.subscriptions, ["rg/alarm/set", "rg/music/set", "rg/send", "homeassistant/status"]);
    await publishFromOutside("rg/send", "KEY: LEFT");
    assert.deepEqual(busLog, ["KEY: LEFT"], "on the bus once");
    assert.deepEqual(broker, [
      { topic: "rg/send", payload: "KEY: LEFT", retain: false },
      { topic: "rg/bus/KEY/LEFT", payload: "", retain: false },
    ]);
    await publishFromOutside("rg/send", "KEY: send KEY: LEFT");
    assert.deepEqual(busLog, ["KEY: LEFT", "KEY: send KEY: LEFT"], "a message naming send is mirrored under bus/, not to send");
    assert.equal(broker.at(-1)?.topic, "rg/bus/KEY/send");
  });

  it("two bridges with distinct base topics on one broker and one bus do not feed each other", async () => {
    const { broker, busLog, publishFromOutside } = house(["rg-a", "rg-b"]);
    await publishFromOutside("rg-a/send", "KEY: send KEY: LEFT");
    assert.deepEqual(busLog, ["KEY: send KEY: LEFT"]);
    assert.deepEqual(
      broker.map((p) => p.topic),
      ["rg-a/send", "rg-a/bus/KEY/send", "rg-b/bus/KEY/send"],
    );
  });

  it("even a base nested under another's bus/ only shortens a message at each turn, till it dies out", async () => {
    const { busLog, publishFromOutside } = house(["rg", "rg/bus/KEY"]);
    await publishFromOutside("rg/send", "KEY: send KEY: send KEY: LEFT");
    assert.deepEqual(busLog, ["KEY: send KEY: send KEY: LEFT", "KEY: send KEY: LEFT", "KEY: LEFT"]);
  });
});
