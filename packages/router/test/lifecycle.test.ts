import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSubject, type BusMessage } from "@roomguard/bus";
import { awaitSubscribed, nextMessage } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";

const { router, client, joined } = routerFixture();

function payloadOf(message: BusMessage): Record<string, unknown> {
  return parseSubject(message).payload as Record<string, unknown>;
}

describe("router lifecycle", { timeout: 30_000 }, () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops cleanly on ${signal} within 2 s`, async () => {
      const r = await router();
      const started = Date.now();
      assert.equal(await r.stop(signal), 0);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.ok(r.lines.some((line) => line.msg === "stopped"));
    });
  }

  it("ignores lala-pi's DEATH by default and keeps forwarding", async () => {
    const r = await router();
    const { publisher, subscription: keys } = await joined(r.endpoints, "KEY:", "KEY: PROBE");
    await publisher.publish("DEATH");
    await publisher.publish("CONTROL: router STOP");
    await r.waitForLog((line) => line.msg.startsWith("ignoring DEATH"));
    await publisher.publish("KEY: STILL_HERE");
    assert.equal((await nextMessage(keys)).text, "KEY: STILL_HERE");
    assert.equal(r.child.exitCode, null);
  });

  it("stops on DEATH when router.acceptDeath is true", async () => {
    const r = await router({ config: { router: { acceptDeath: true } } });
    const publisher = client(r.endpoints);
    await publisher.waitForRouter();
    assert.ok(publisher.wants("DEATH"), "the router subscribes to DEATH");
    await publisher.publish("DEATH");
    assert.equal(await r.exited, 0);
    assert.ok(r.lines.some((line) => line.msg === "stopping" && line.reason === "DEATH"));
  });

  it("stops on CONTROL: router STOP when router.acceptDeath is true", async () => {
    const r = await router({ config: { router: { acceptDeath: true } } });
    const publisher = client(r.endpoints);
    await publisher.waitForRouter();
    await publisher.publish("CONTROL: router STOP");
    assert.equal(await r.exited, 0);
  });

  it("publishes ROUTER: stats and its heartbeat, and answers CONTROL: router STATUS", async () => {
    const r = await router({ config: { bus: { heartbeatIntervalS: 0.2 } } });
    const listener = client(r.endpoints);
    const stats = listener.subscribe("ROUTER: stats");
    const heartbeats = listener.subscribe("HEARTBEAT: router ");
    const statuses = listener.subscribe("STATUS: router ");
    const publisher = client(r.endpoints);
    const keys = listener.subscribe("KEY:");
    await publisher.waitForRouter();
    await awaitSubscribed(publisher, keys, "KEY: PROBE");
    for (let i = 0; i < 20; i++) await publisher.publish(`KEY: ${i}`);

    const beat = payloadOf(await nextMessage(heartbeats));
    assert.equal(beat.pid, r.child.pid);
    assert.equal(typeof beat.uptime_s, "number");

    let report: Record<string, unknown> = {};
    for (let tries = 0; tries < 10 && !((report.messages as number) >= 20); tries++) report = payloadOf(await nextMessage(stats));
    assert.ok((report.messages as number) >= 20, `stats counted ${String(report.messages)} messages`);
    assert.ok((report.bytes as number) >= 20 * 6);
    assert.ok((report.subscribers as number) >= 1 && (report.publishers as number) >= 1);
    assert.deepEqual(report.dropped, { journal: 0 });

    await publisher.publish("CONTROL: router STATUS");
    const status = payloadOf(await nextMessage(statuses));
    assert.ok((status.messages as number) >= 20);
    await publisher.publish("CONTROL: router FROBNICATE");
    const answer = payloadOf(await nextMessage(statuses));
    assert.deepEqual(answer, { error: "unknown command FROBNICATE", known: ["STATUS", "STOP"] });
  });

  it("exits 78 on an invalid config, naming the key", async () => {
    const r = await router({ config: { router: { statsIntervalS: "often" } }, noWait: true });
    assert.equal(await r.exited, 78);
    assert.match(JSON.stringify(r.lines), /router\.statsIntervalS: expected a number, got \\"often\\"/);
  });

  it("exits 1 with a clear message when its ipc endpoint is taken", async () => {
    const first = await router();
    const second = await router({ dir: first.dir, noWait: true });
    assert.equal(await second.exited, 1);
    const failure = second.lines.find((line) => line.msg === "failed to start");
    assert.match(
      JSON.stringify(failure?.error),
      /cannot listen on ipc:.*out\.sock \(bus\.out\): another process \(another router\?\) listens there/,
    );
    assert.equal(first.child.exitCode, null, "the first router is unaffected");
  });

  it("exits 1 with a clear message when its TCP port is taken", async () => {
    const first = await router({ config: { bus: { in: "tcp://127.0.0.1:*", out: "tcp://127.0.0.1:*" } } });
    const second = await router({ config: { bus: { out: first.endpoints.out } }, noWait: true });
    assert.equal(await second.exited, 1);
    const failure = second.lines.find((line) => line.msg === "failed to start");
    assert.match(
      JSON.stringify(failure?.error),
      /cannot listen on tcp:\/\/127\.0\.0\.1:\d+ \(bus\.out\): another process \(another router\?\) listens there/,
    );
  });
});
