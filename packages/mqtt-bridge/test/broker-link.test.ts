import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { startTestMosquitto, waitUntil, type TestMosquitto } from "@roomguard/testing";
import { BrokerLink, displayBroker, topicMatches, type BrokerLinkOptions } from "../src/broker-link.js";
import { keptLogger, watchMqtt } from "./mqtt-watcher.js";

const FAST = { first: 50, max: 400 };
let clientNumber = 0;

/** A link to `broker` with a fresh client id and base topic, closed when the file's tests end. */
function linkTo(
  broker: TestMosquitto,
  options: Partial<BrokerLinkOptions> = {},
): { link: BrokerLink; base: string; clientId: string; lines: Record<string, unknown>[] } {
  clientNumber++;
  const base = `test${clientNumber}`;
  const clientId = `roomguard-test-${process.pid}-${clientNumber}`;
  const { log, lines } = keptLogger();
  const link = new BrokerLink({ url: broker.url, clientId, baseTopic: base, backoff: FAST, ...options }, log);
  after(() => link.close());
  return { link, base, clientId, lines };
}

describe("BrokerLink against a real Mosquitto", () => {
  const brokers: TestMosquitto[] = [];
  const broker = async (options: Parameters<typeof startTestMosquitto>[0] = {}): Promise<TestMosquitto> => {
    const started = await startTestMosquitto(options);
    brokers.push(started);
    return started;
  };
  after(async () => {
    for (const started of brokers) await started.stop();
  });

  it("connects, publishes online retained, and offline retained on close before a clean disconnect", async () => {
    const mosquitto = await broker();
    const { link, base, clientId } = linkTo(mosquitto);
    const calls: number[] = [];
    link.onConnect(() => void calls.push(Date.now()));
    assert.equal(link.linkState(), "connecting");
    link.start();
    await waitUntil(() => link.isConnected(), { what: "the link to connect" });
    assert.equal(link.problem(), undefined);
    assert.equal(calls.length, 1, "on-connect called once");

    // A subscriber that comes later gets `online` as the broker kept it.
    const late = await watchMqtt(mosquitto.url, [`${base}/availability`]);
    const online = await late.waitFor(`${base}/availability`, "online");
    assert.equal(online.retain, true, "online is retained");

    await link.close();
    await late.waitFor(`${base}/availability`, "offline");
    assert.equal(link.linkState(), "closed");
    // A clean DISCONNECT: mosquitto says "disconnected", not that the socket closed (which would send the will).
    await waitUntil(() => mosquitto.stderr().includes(`Client ${clientId} disconnected.`), { what: "mosquitto to log a clean disconnect" });
    await late.close();
    const after = await watchMqtt(mosquitto.url, [`${base}/availability`]);
    const kept = await after.waitFor(`${base}/availability`, "offline");
    assert.equal(kept.retain, true, "offline is retained");
    await after.close();
    assert.equal(await link.publish(`${base}/x`, "y"), false, "nothing goes out after close");
  });

  it("reconnects after the broker is killed and restarted: online again and on-connect again; publishes while down are dropped and counted", async () => {
    const mosquitto = await broker();
    const { link, base } = linkTo(mosquitto);
    let connects = 0;
    link.onConnect(async () => {
      connects++;
      await link.publish(`${base}/state`, `state ${connects}`, { retain: true, qos: 1 });
    });
    link.start();
    await waitUntil(() => connects === 1 && link.stats().published >= 2, { what: "the first connection and its publishes" });

    await mosquitto.kill();
    await waitUntil(() => link.problem()?.startsWith(`cannot reach ${mosquitto.url}: ECONNREFUSED`), {
      what: "the problem to say the broker cannot be reached",
    });
    assert.equal(link.linkState(), "down");
    assert.equal(await link.publish(`${base}/state`, "while down", { retain: true, qos: 1 }), false);
    assert.equal(link.stats().dropped.offline, 1);

    await mosquitto.restart();
    await waitUntil(() => link.isConnected() && connects === 2, { what: "the link to reconnect", timeoutMs: 5000 });
    const watcher = await watchMqtt(mosquitto.url, [`${base}/#`]);
    // The restarted broker kept nothing (no persistence): what it has now was published again.
    await watcher.waitFor(`${base}/availability`, "online");
    await watcher.waitFor(`${base}/state`, "state 2");
    assert.equal(link.problem(), undefined);
    assert.ok(link.stats().attempts >= 3, `attempts: ${link.stats().attempts}`);
    await watcher.close();
  });

  it("says the login was refused on a wrong password (MQTT 5 and 3.1.1), keeps trying, and connects with the right one", async () => {
    const mosquitto = await broker({ auth: { user: "roomguard", password: "right horse" } });
    // Mosquitto answers a wrong password with "not authorized" (5 / 0x87), not 4 / 0x86.
    const refused =
      "the broker refused the login: bad user name or password, or not authorized (mqtt.username and mqtt.password, passwordFile or passwordEnv; the broker's ACL)";
    for (const protocolVersion of [5, 4] as const) {
      const { link } = linkTo(mosquitto, { username: "roomguard", password: "wrong", protocolVersion });
      link.start();
      await waitUntil(() => link.problem(), { what: `a problem (MQTT ${protocolVersion})`, until: (problem) => problem === refused });
      await waitUntil(() => link.stats().attempts, { what: "a second attempt", until: (attempts) => attempts >= 2 });
      assert.equal(link.linkState(), "down");
      await link.close();
    }
    // No password at all is refused as not authorized by mosquitto 2.0 (anonymous off).
    const { link: anonymous } = linkTo(mosquitto);
    anonymous.start();
    await waitUntil(() => anonymous.problem(), {
      what: "a problem without a login",
      until: (problem) => problem?.startsWith("the broker refused the login:") === true,
    });
    const { link } = linkTo(mosquitto, { username: "roomguard", password: "right horse" });
    link.start();
    await waitUntil(() => link.isConnected(), { what: "the link with the right password" });
  });

  it("TLS: connects with the test CA; without it the problem names the TLS failure", async () => {
    const mosquitto = await broker({ tls: true });
    assert.match(mosquitto.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(mosquitto.caFile ?? "");
    const { link, base } = linkTo(mosquitto, { tls: { ca } });
    link.start();
    await waitUntil(() => link.isConnected(), { what: "the TLS link with the CA" });
    const watcher = await watchMqtt(mosquitto.url, [`${base}/availability`], { ca });
    await watcher.waitFor(`${base}/availability`, "online");
    await watcher.close();

    const { link: untrusting } = linkTo(mosquitto);
    untrusting.start();
    const problem = await waitUntil(() => untrusting.problem(), {
      what: "a TLS problem",
      until: (text) => text?.startsWith(`TLS to ${mosquitto.url} failed:`) === true,
    });
    assert.match(problem ?? "", /\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    assert.match(problem ?? "", /mqtt\.tls\.ca/);
    assert.equal(untrusting.linkState(), "down");
  });

  it("cannot reach a port nobody listens on: ECONNREFUSED in the problem, no exception", async () => {
    const mosquitto = await broker();
    const url = mosquitto.url;
    await mosquitto.stop();
    const { link } = linkTo(mosquitto, { url });
    link.start();
    await waitUntil(() => link.problem(), { what: "ECONNREFUSED", until: (problem) => problem === `cannot reach ${url}: ECONNREFUSED` });
    await waitUntil(() => link.stats().failuresInRow, { what: "backoff retries", until: (failures) => failures >= 3 });
  });

  it("delivers subscribed messages to handlers; a throwing handler is counted, oversize messages are never delivered", async () => {
    const mosquitto = await broker();
    for (const protocolVersion of [5, 4] as const) {
      const { link, base } = linkTo(mosquitto, { maxIncomingBytes: 1000, protocolVersion });
      const got: string[] = [];
      link.subscribe(`${base}/set/+`, (topic, payload) => void got.push(`${topic}=${payload.toString()}`));
      link.subscribe(`${base}/set/#`, () => {
        throw new Error("a handler's bug");
      });
      link.subscribe(`${base}/set/#`, () => Promise.reject(new Error("an async handler's bug")));
      link.start();
      await waitUntil(() => link.isConnected(), { what: "the link" });
      const sender = await watchMqtt(mosquitto.url, [`${base}/none`]);
      // Subscriptions go out at connect: wait until the broker has them (a retained probe comes back).
      await sender.client.publishAsync(`${base}/set/probe`, "p", { qos: 1, retain: true });
      await waitUntil(() => got.includes(`${base}/set/probe=p`), { what: "the probe" });
      const errorsBefore = link.stats().handlerErrors;
      // Over maxIncomingBytes: dropped on receipt. Far over (past maximumPacketSize): under MQTT 5 the broker never sends it.
      await sender.client.publishAsync(`${base}/set/big`, "x".repeat(5000), { qos: 1 });
      await sender.client.publishAsync(`${base}/set/huge`, "x".repeat(200_000), { qos: 1 });
      await sender.client.publishAsync(`${base}/set/small`, "ok", { qos: 1 });
      await waitUntil(() => got.includes(`${base}/set/small=ok`), { what: "the small message" });
      assert.ok(
        !got.some((line) => line.startsWith(`${base}/set/big`) || line.startsWith(`${base}/set/huge`)),
        "the big ones were not delivered",
      );
      // Mosquitto sends an MQTT 5 client a copy per matching subscription (two filters here), a 3.1.1 client one copy.
      if (protocolVersion === 5) assert.equal(link.stats().tooLarge, 2, "MQTT 5: only the big one came (twice)");
      else assert.equal(link.stats().tooLarge, 2, "3.1.1: both came, and were dropped on receipt");
      assert.ok(link.isConnected(), "still connected");
      // Under MQTT 5 the subscription identifiers keep the copies apart: each handler gets it once.
      assert.deepEqual(
        got.filter((line) => line === `${base}/set/small=ok`),
        [`${base}/set/small=ok`],
      );
      // The failing handlers' copies may come a moment after the one the first handler took.
      await waitUntil(() => link.stats().handlerErrors >= errorsBefore + 2, { what: "both failing handlers counted" });
      await sender.client.publishAsync(`${base}/set/probe`, "", { qos: 1, retain: true });
      await sender.close();
      await link.close();
    }
  });
});

describe("topicMatches and displayBroker", () => {
  it("matches MQTT wildcards as the spec says", () => {
    assert.ok(topicMatches("a/+/c", "a/b/c"));
    assert.ok(!topicMatches("a/+/c", "a/b/d"));
    assert.ok(topicMatches("a/#", "a"));
    assert.ok(topicMatches("a/#", "a/b/c"));
    assert.ok(!topicMatches("a/b", "a/b/c"));
    assert.ok(!topicMatches("a/b/c", "a/b"));
    assert.ok(topicMatches("#", "x/y"));
    assert.ok(!topicMatches("#", "$SYS/x"));
    assert.ok(topicMatches("homeassistant/status", "homeassistant/status"));
  });

  it("shows the broker without a login and with the default port", () => {
    assert.equal(displayBroker("mqtt://user:secret@host"), "mqtt://host:1883");
    assert.equal(displayBroker("mqtts://host"), "mqtts://host:8883");
    assert.equal(displayBroker("ws://host:9001/mqtt"), "ws://host:9001/mqtt");
    assert.equal(displayBroker("mqtt://10.0.0.2:1884"), "mqtt://10.0.0.2:1884");
  });
});
