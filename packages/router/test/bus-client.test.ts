import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { RouterUnreachableError } from "@roomguard/bus";
import { awaitSubscribed, nextMessage } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

// The bus client against a real router process: start order, restarts, concurrency.
const { router, client, joined } = routerFixture();

describe("BusClient with a real router", { timeout: 30_000 }, () => {
  it("works when the router starts after the client", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-late-"));
    const endpoints = { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` };
    const publisher = client(endpoints);
    const keys = client(endpoints).subscribe("KEY:");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(publisher.isConnected, false);
    await router({ dir });
    await publisher.waitForRouter(5000);
    await awaitSubscribed(publisher, keys, "KEY: PROBE");
    await publisher.publish("KEY: LATE");
    assert.equal((await nextMessage(keys)).text, "KEY: LATE");
  });

  it("carries on across a router restart", async () => {
    const first = await router();
    const { publisher, subscription: keys } = await joined(first.endpoints, "KEY:", "KEY: PROBE");
    await publisher.publish("KEY: BEFORE");
    assert.equal((await nextMessage(keys)).text, "KEY: BEFORE");

    assert.equal(await first.stop(), 0);
    await router({ dir: first.dir });
    await publisher.waitForRouter(5000);
    await awaitSubscribed(publisher, keys, "KEY: PROBE AGAIN");
    await publisher.publish("KEY: AFTER");
    assert.equal((await nextMessage(keys)).text, "KEY: AFTER");
  });

  it("never hits EBUSY with many concurrent publishers in one process", async () => {
    const r = await router();
    const { publisher, subscription: load } = await joined(r.endpoints, "LOAD:", "LOAD: probe");
    const tasks = Array.from({ length: 8 }, (_, task) =>
      (async () => {
        for (let i = 0; i < 250; i++) await publisher.publish(`LOAD: ${task} ${i}`);
      })(),
    );
    // And bursts that do not await at all.
    const unawaited = Array.from({ length: 500 }, (_, i) => publisher.publish(`LOAD: burst ${i}`));
    await Promise.all([...tasks, ...unawaited]);
    // Published after all of them: when it arrives, whatever was lost, doubled or reordered shows.
    await publisher.publish("LOAD: end");
    const bySender = new Map<string, number[]>();
    for (let text = (await nextMessage(load)).text; text !== "LOAD: end"; text = (await nextMessage(load)).text) {
      const [, sender = "?", i = "?"] = text.split(" ");
      bySender.set(sender, [...(bySender.get(sender) ?? []), Number(i)]);
    }
    const upTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
    assert.deepEqual(
      Object.fromEntries(bySender),
      Object.fromEntries([...Array.from({ length: 8 }, (_, task) => [String(task), upTo(250)]), ["burst", upTo(500)]]),
      "each sender's messages, every one once and in the order published",
    );
  });

  it("refuses a malformed or oversize message before sending it", async () => {
    const publisher = client({ in: "ipc:///nonexistent/in", out: "ipc:///nonexistent/out" });
    await assert.rejects(publisher.publish("key: lower"), { code: "ETOPIC" });
    await assert.rejects(publisher.publish("KEY", "x".repeat(70_000)), { code: "EMSGSIZE" });
  });

  it("says clearly, without hanging, that the router is not there", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roomguard-none-"));
    const lonely = client({ in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock` });
    const started = Date.now();
    await assert.rejects(lonely.waitForRouter(300), (error: unknown) => {
      assert.ok(error instanceof RouterUnreachableError);
      assert.match(
        error.message,
        /cannot reach the router at .*in\.sock .* within 300 ms\. Is the router running\? Check bus\.in\/bus\.out in the config\.$/,
      );
      return true;
    });
    assert.ok(Date.now() - started < 1000);
  });
});
