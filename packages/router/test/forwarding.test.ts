import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { Publisher, Subscriber } from "zeromq";
import { waitUntil } from "@roomguard/testing";
import { awaitSubscribed, eventuallyJournaled, isRouterOwn, nextMessage, sendUntilSeen } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client, joined } = routerFixture();

/** Sends `frames` from a bare PUB socket until the bare SUB socket receives a message, and returns it. */
function sendUntilReceived(pub: Publisher, sub: Subscriber, frames: string | Buffer[]): Promise<Buffer[]> {
  let received: Buffer[] | undefined;
  void sub.receive().then((message) => (received = message));
  return sendUntilSeen(
    () => pub.send(frames),
    () => received,
    "the message through the router",
    25,
  );
}

/**
 * The lala-pi test needs roomguard's fixed ports; anything already listening there is most
 * likely a running roomguard. Fails saying so, rather than with the router's exit.
 */
async function assertFreePort(port: number): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(port, "127.0.0.1", resolve);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    assert.fail(
      `127.0.0.1:${port} is taken: this lala-pi compatibility test needs the fixed ports 5556 and 5555, and a running roomguard ` +
        "(npm start, or the installed service) probably holds them; `ss -ltnp` names the process. Stop it and run the test again.",
    );
  }
  await new Promise((resolve) => probe.close(resolve));
}

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

  // The one test on the fixed ports: every other test runs on private endpoints.
  it("is lala-pi compatible: bare PUB to 5556, bare SUB on 5555, exactly the bytes sent; with bus.lalapiPorts beside ipc endpoints too", async () => {
    await assertFreePort(5556);
    await assertFreePort(5555);
    const r = await router({ config: { bus: { in: "tcp://127.0.0.1:5556", out: "tcp://127.0.0.1:5555" } } });
    assert.deepEqual(r.endpoints, { in: "tcp://127.0.0.1:5556", out: "tcp://127.0.0.1:5555" });
    const pub = new Publisher();
    const sub = new Subscriber();
    try {
      pub.connect("tcp://127.0.0.1:5556");
      sub.connect("tcp://127.0.0.1:5555");
      sub.subscribe("KEY:");
      assert.deepEqual(await sendUntilReceived(pub, sub, "KEY: LEFT"), [Buffer.from("KEY: LEFT")]);
    } finally {
      pub.close();
      sub.close();
    }
    await r.stop("SIGTERM");

    // The installed Pi's way: the bus on ipc sockets, and lala-pi's ports opened beside them by
    // bus.lalapiPorts. A lala-pi program and a roomguard one on ipc hear each other.
    const both = await router({ config: { bus: { lalapiPorts: true } } });
    assert.match(both.endpoints.in, /^ipc:\/\//);
    const lalapiPub = new Publisher();
    const lalapiSub = new Subscriber();
    try {
      lalapiPub.connect("tcp://127.0.0.1:5556");
      lalapiSub.connect("tcp://127.0.0.1:5555");
      lalapiSub.subscribe("KEY:");
      const { publisher, subscription } = await joined(both.endpoints, "KEY:", "KEY: PROBE");
      let heard: string | undefined;
      void (async () => {
        for await (const message of subscription) if (message.text === "KEY: RIGHT") return void (heard = message.text);
      })();
      await sendUntilSeen(
        () => lalapiPub.send("KEY: RIGHT"),
        () => heard,
        "lala-pi's key on the ipc bus",
        25,
      );
      let got: Buffer[] | undefined;
      void (async () => {
        for await (const message of lalapiSub) if (message[0]?.toString() === "KEY: UP") return void (got = message);
      })();
      await sendUntilSeen(
        () => publisher.publish("KEY: UP"),
        () => got,
        "a roomguard key at lala-pi's port",
        25,
      );
      assert.deepEqual(got, [Buffer.from("KEY: UP")]);
    } finally {
      lalapiPub.close();
      lalapiSub.close();
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
      const wanted = subscriber.subscribe("WANTED:");
      await awaitSubscribed(publisher, wanted, "WANTED: probe");
      const before = bytesFromPublisher;
      for (let i = 0; i < 1000; i++) await publisher.publish(`UNWANTED: ${i} ${"x".repeat(100)}`);
      // Sent after them on the same connection: when it arrives, anything of theirs would have too.
      await publisher.publish("WANTED: end");
      assert.equal((await nextMessage(wanted)).text, "WANTED: end");
      const crossed = bytesFromPublisher - before;
      // The end marker's frame crossed, and at most a ZMTP heartbeat; one unwanted message alone is over 100 bytes.
      assert.ok(crossed > 0 && crossed < 100, `${crossed} bytes crossed for 1000 unwanted messages and the end marker`);
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
    await waitUntil(() => !publisher.wants("ODD: 2"), { what: "the unsubscription to reach the publisher" });
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
      assert.deepEqual(await sendUntilReceived(pub, sub, frames), frames);
    } finally {
      pub.close();
      sub.close();
    }
  });
});
