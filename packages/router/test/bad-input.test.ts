import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { Publisher } from "zeromq";
import { readJournal } from "@roomguard/journal";
import { awaitSubscribed, eventuallyJournaled, nextMessage, sendUntilSeen } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client } = routerFixture();

describe("bad input never stops the router", { timeout: 60_000 }, () => {
  it("refuses an oversize message, and the publisher's later messages still flow", async () => {
    const r = await router({ config: { bus: { maxMessageSize: 1024 } } });
    const watcher = client(r.endpoints);
    const big = watcher.subscribe("BIG:");
    const raw = new Publisher();
    try {
      raw.connect(r.endpoints.in);
      await watcher.waitForRouter();
      // Wait until the raw publisher has the subscription, with a small message.
      await sendUntilSeen(
        () => raw.send("BIG: small"),
        () => big.nextWithin(25),
        "a small BIG: through the router",
      );
      while ((await big.nextWithin(50)) !== undefined);
      await raw.send(`BIG: ${"x".repeat(5000)}`);
      assert.equal(await big.nextWithin(500), undefined, "the oversize message was forwarded");
      // libzmq cut the publisher; it reconnects by itself and is heard again.
      const after = await sendUntilSeen(
        () => raw.send("BIG: after"),
        async () => (await big.nextWithin(25))?.text,
        "BIG: after from the reconnected publisher",
      );
      assert.equal(after, "BIG: after");
    } finally {
      raw.close();
    }
    await r.waitForLog((line) => line.msg === "stats" && (line.disconnects as { publishers: number }).publishers >= 1);
    const records: string[] = [];
    for await (const record of readJournal(r.journalDir)) records.push(record.frames[0]?.toString() ?? "");
    assert.ok(!records.some((text) => text.length > 1024), "the oversize message is not journaled");
  });

  it("shrugs off random bytes on its TCP ports while real traffic flows", async () => {
    const r = await router({ config: { bus: { in: "tcp://127.0.0.1:*", out: "tcp://127.0.0.1:*" } } });
    const publisher = client(r.endpoints);
    const subscriber = client(r.endpoints);
    const keys = subscriber.subscribe("KEY:");
    await publisher.waitForRouter();
    await awaitSubscribed(publisher, keys, "KEY: PROBE");

    const garbage = [
      Buffer.from("GET / HTTP/1.1\r\nHost: roomguard\r\n\r\n"),
      Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 9, 9, 0x41, 0x42]),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    ];
    const ports = [r.endpoints.in, r.endpoints.out].map((endpoint) => Number(endpoint.split(":").pop()));
    const vandals = ports.flatMap((port) =>
      garbage.map(
        (bytes) =>
          new Promise<void>((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
            setTimeout(() => socket.destroy(), 500);
          }),
      ),
    );
    let sent = 0;
    const sending = (async () => {
      for (; sent < 300; sent++) {
        await publisher.publish(`KEY: ${sent}`);
        if (sent % 30 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await Promise.all([...vandals, sending]);
    for (let i = 0; i < 300; i++) assert.equal((await nextMessage(keys)).text, `KEY: ${i}`);
    assert.equal(r.child.exitCode, null);
    await publisher.publish("KEY: after");
    assert.equal((await nextMessage(keys)).text, "KEY: after");
  });

  it("forwards and journals malformed bus messages without judging them", async () => {
    const r = await router();
    const watcher = client(r.endpoints);
    const everything = watcher.subscribeRaw("");
    const raw = new Publisher();
    try {
      raw.connect(r.endpoints.in);
      await watcher.waitForRouter();
      const seen = await sendUntilSeen(
        () => raw.send("lower: case"),
        async () => {
          const got = await everything.nextWithin(25);
          return got && !got.parsed.ok ? got.frames[0]?.toString() : undefined;
        },
        "the malformed message through the router",
      );
      assert.equal(seen, "lower: case");
    } finally {
      raw.close();
    }
    await eventuallyJournaled(r.journalDir, "lower: case");
  });
});
