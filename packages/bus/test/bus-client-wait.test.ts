import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Proxy, Subscriber, XPublisher, XSubscriber } from "zeromq";
import { BusClient, RouterUnreachableError } from "../src/client.js";

const dir = mkdtempSync(path.join(tmpdir(), "roomguard-bus-wait-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let routers = 0;

/**
 * A router as small as it gets: XSUB and XPUB joined by ZeroMQ's proxy, and a subscriber of its
 * own that the test drives (a real router's own control client subscribes to `CONTROL: router `
 * at once). Subscriptions reach the publishers exactly as through a real router.
 */
async function bareRouter(): Promise<{ in: string; out: string; subscribe(prefix: string): void; unsubscribe(prefix: string): void }> {
  const n = ++routers;
  const endpoints = { in: `ipc://${dir}/in${n}.sock`, out: `ipc://${dir}/out${n}.sock` };
  const upstream = new XSubscriber({ linger: 0 });
  const downstream = new XPublisher({ linger: 0 });
  await upstream.bind(endpoints.in);
  await downstream.bind(endpoints.out);
  const proxy = new Proxy(upstream, downstream);
  const running = proxy.run();
  const own = new Subscriber({ linger: 0 });
  own.connect(endpoints.out);
  after(async () => {
    own.close();
    proxy.terminate();
    await running;
  });
  return { ...endpoints, subscribe: (prefix) => own.subscribe(prefix), unsubscribe: (prefix) => own.unsubscribe(prefix) };
}

/** A client, and a promise of its first connection (both handshakes). */
function client(endpoints: { in: string; out: string }): { bus: BusClient; connected: Promise<void> } {
  let connected = (): void => undefined;
  const up = new Promise<void>((resolve) => (connected = resolve));
  const bus = new BusClient({ ...endpoints, onConnection: (isUp) => isUp && connected() });
  after(() => bus.close());
  return { bus, connected: up };
}

describe("BusClient waits on events, not on sleeps", () => {
  it("waitForRouter resolves once connected and the router's subscriptions are in: wants() is right at once", async () => {
    const router = await bareRouter();
    const { bus, connected } = client(router);
    let resolved = false;
    const ready = bus.waitForRouter(10_000).then(() => (resolved = true));
    await connected;
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(resolved, false, "connected, but the router has not said what it wants yet");
    router.subscribe("CONTROL: router ");
    await ready;
    assert.equal(bus.wants("CONTROL: router STOP"), true);
    assert.equal(bus.wants("KEY: LEFT"), false);
    await bus.waitForRouter(1);
  });

  it("connected, but no subscription from there: RouterUnreachableError saying so (it used to resolve after 100 ms)", async () => {
    const router = await bareRouter();
    const { bus } = client(router);
    await assert.rejects(bus.waitForRouter(500), (error: unknown) => {
      assert.ok(error instanceof RouterUnreachableError);
      assert.match(
        error.message,
        /^connected to ipc:.*in\d+\.sock \(publish\) and ipc:.*out\d+\.sock \(subscribe\), but no subscription came from there within 500 ms/,
      );
      return true;
    });
  });

  it("no router at all: RouterUnreachableError asking whether it runs", async () => {
    const { bus } = client({ in: `ipc://${dir}/none-in.sock`, out: `ipc://${dir}/none-out.sock` });
    await assert.rejects(
      bus.waitForRouter(200),
      /^RouterUnreachableError: cannot reach the router at .* within 200 ms\. Is the router running\?/,
    );
  });

  it("onWantedChange tells of every change; whenWanted resolves on the one awaited, or false at its timeout", async () => {
    const router = await bareRouter();
    const { bus } = client(router);
    let changes = 0;
    const stop = bus.onWantedChange(() => changes++);
    const key = bus.whenWanted("KEY: LEFT", 10_000);
    router.subscribe("CONTROL: router ");
    await bus.waitForRouter(10_000);
    assert.equal(changes, 1);
    router.subscribe("KEY:");
    assert.equal(await key, true);
    assert.equal(changes, 2);
    assert.equal(await bus.whenWanted("KEY: RIGHT", 1), true, "wanted already: at once");
    const gone = new Promise<void>((resolve) => {
      const off = bus.onWantedChange(() => {
        if (bus.wants("KEY: LEFT")) return;
        off();
        resolve();
      });
    });
    router.unsubscribe("KEY:");
    await gone;
    assert.equal(changes, 3);
    stop();
    assert.equal(await bus.whenWanted("DOOR: front open", 50), false, "nobody wants it: false at the timeout");
    assert.equal(changes, 3, "stopped listening");
  });
});
