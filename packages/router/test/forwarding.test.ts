import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { Publisher, Subscriber } from "zeromq";
import { awaitSubscribed, eventually, eventuallyJournaled, isRouterOwn, nextMessage } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client } = routerFixture();

describe("forwarding", { timeout: 30_000 }, () => {
  it("delivers a published message to a subscriber and journals it", async () => {
    const r = await router();
    const publisher = client(r.endpoints);
    const subscriber = client(r.endpoints);
    const keys = subscriber.subscribe("KEY:");
    await publisher.waitForRouter();
    await awaitSubscribed(publisher, keys, "KEY: PROBE");
    await publisher.publish("KEY: LEFT");
    assert.equal((await nextMessage(keys)).text, "KEY: LEFT");
    await eventuallyJournaled(r.journalDir, "KEY: LEFT");
  });

  it("is lala-pi compatible: bare PUB to 5556, bare SUB on 5555, exactly the bytes sent", async () => {
    const r = await router({ config: { bus: { in: "tcp://127.0.0.1:5556", out: "tcp://127.0.0.1:5555" } } });
    assert.deepEqual(r.endpoints, { in: "tcp://127.0.0.1:5556", out: "tcp://127.0.0.1:5555" });
    const pub = new Publisher();
    const sub = new Subscriber();
    try {
      pub.connect("tcp://127.0.0.1:5556");
      sub.connect("tcp://127.0.0.1:5555");
      sub.subscribe("KEY:");
      let received: Buffer[] | undefined;
      const receiving = (async () => {
        received = await sub.receive();
      })();
      // A PUB socket drops what it sends before the subscription reaches it (slow joiner): repeat.
      for (let tries = 0; received === undefined && tries < 200; tries++) {
        await pub.send("KEY: LEFT");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await receiving;
      assert.deepEqual(received, [Buffer.from("KEY: LEFT")]);
    } finally {
      pub.close();
      sub.close();
    }
  });

  it("carries subscriptions upstream: a topic nobody wants never crosses the publisher's wire", async () => {
    const r = await router({ config: { bus: { in: "tcp://127.0.0.1:*", out: "tcp://127.0.0.1:*" } } });
    // Count the bytes a publisher sends to the router through a relay.
    let bytesFromPublisher = 0;
    const routerPort = Number(r.endpoints.in.split(":").pop());
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(routerPort, "127.0.0.1");
      inbound.on("data", (chunk: Buffer) => {
        bytesFromPublisher += chunk.length;
        outbound.write(chunk);
      });
      outbound.pipe(inbound);
      inbound.on("error", () => outbound.destroy());
      outbound.on("error", () => inbound.destroy());
      inbound.on("close", () => outbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;
    try {
      const publisher = client({ in: `tcp://127.0.0.1:${relayPort}`, out: r.endpoints.out });
      const subscriber = client(r.endpoints);
      await publisher.waitForRouter();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const afterHandshake = bytesFromPublisher;
      for (let i = 0; i < 1000; i++) await publisher.publish(`UNWANTED: ${i} ${"x".repeat(100)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(bytesFromPublisher, afterHandshake, "the unwanted messages were sent across");

      const wanted = subscriber.subscribe("WANTED:");
      await awaitSubscribed(publisher, wanted, "WANTED: probe");
      await publisher.publish("WANTED: yes");
      assert.equal((await nextMessage(wanted)).text, "WANTED: yes");
      assert.ok(bytesFromPublisher > afterHandshake, "wanted messages did cross");
    } finally {
      relay.close();
    }
  });

  it("gives a subscriber to everything what nobody else wants, and stops sending when it leaves", async () => {
    const r = await router();
    const publisher = client(r.endpoints);
    const watcher = client(r.endpoints);
    await publisher.waitForRouter();
    assert.equal(publisher.wants("ODD: 1"), false);
    const everything = watcher.subscribe();
    // A subscriber to everything also gets the router's own heartbeat and stats.
    await awaitSubscribed(publisher, everything, "ODD: probe", isRouterOwn);
    assert.equal(publisher.wants("ODD: 1"), true);
    await publisher.publish("ODD: 1");
    let next = await nextMessage(everything);
    while (isRouterOwn(next.text)) next = await nextMessage(everything);
    assert.equal(next.text, "ODD: 1");
    everything.close();
    await eventually(() => !publisher.wants("ODD: 2"), "the unsubscription to reach the publisher");
  });

  it("forwards multi-frame messages intact", async () => {
    const r = await router();
    const pub = new Publisher();
    const sub = new Subscriber();
    try {
      pub.connect(r.endpoints.in);
      sub.connect(r.endpoints.out);
      sub.subscribe("MULTI:");
      const frames = [Buffer.from("MULTI: head"), Buffer.from([0, 1, 2, 255]), Buffer.alloc(1000, 7)];
      let received: Buffer[] | undefined;
      const receiving = (async () => {
        received = await sub.receive();
      })();
      for (let tries = 0; received === undefined && tries < 200; tries++) {
        await pub.send(frames);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await receiving;
      assert.deepEqual(received, frames);
    } finally {
      pub.close();
      sub.close();
    }
  });
});
