// Subscriptions are memory in every publisher: one program on the bus must not be able to grow them
// without bound (issue 13, section 2).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Subscriber } from "zeromq";
import { findServices } from "@roomguard/registry";
import { memoryOf } from "@roomguard/runtime";
import { busRig, nextMatching, waitUntil, type ServiceProcess } from "@roomguard/testing";
import { sendUntilSeen } from "./helpers/bus-helpers.js";
import { routerFixture } from "./helpers/fixture.js";
import { rawSubscriber } from "./helpers/raw-subscriber.js";

const MB = 1_000_000;

interface Stats {
  disconnects: { subscribers: number };
  subscriptions: { prefixes: number; bytes: number };
  refused: { oversubscribed: number };
}

/** The payload of a `ROUTER: stats {…}` message. */
function statsOf(message: { rest: string }): Stats {
  return JSON.parse(message.rest.slice("stats ".length)) as Stats;
}

function mainOf(name: string): string {
  const service = findServices().find((entry) => entry.name === name);
  if (!service) throw new Error(`the registry knows no ${name}`);
  return service.main;
}

/** Proportional memory (PSS), or RSS where PSS cannot be read. */
function memory(pid: number): number {
  const measured = memoryOf(pid);
  return measured?.pssBytes ?? measured?.rssBytes ?? 0;
}

describe("subscriptions cannot exhaust the publishers' memory", { timeout: 60_000 }, () => {
  it("1,000 subscriptions of 32 KiB from one subscriber: it is cut at the first, and no process grows", async () => {
    const rig = await busRig();
    const services: Array<[string, ServiceProcess]> = [
      ["keypad", rig.service("keypad", mainOf("keypad"), { hardware: { backend: "sim" } })],
      [
        "sensors",
        rig.service("sensors", mainOf("sensors"), { hardware: { backend: "sim" }, sensors: [{ id: "front", kind: "door", pin: 25 }] }),
      ],
      [
        "music-player",
        rig.service("music-player", mainOf("music-player"), { music: { mpd: { spawn: false, socket: `${rig.dir}/no-mpd.sock` } } }),
      ],
    ];
    // Every process's pid, from its heartbeat: they are all up and on the bus.
    const beats = rig.client.subscribe("HEARTBEAT: ");
    const stats = rig.client.subscribe("ROUTER: stats ");
    const pidOf = new Map<string, number>();
    while (!["router", ...services.map(([name]) => name)].every((name) => pidOf.has(name))) {
      const beat = await nextMatching(beats, "a heartbeat", () => true, 10_000);
      const [name, payload] = [beat.rest.split(" ")[0] ?? "", beat.rest.slice(beat.rest.indexOf(" ") + 1)];
      pidOf.set(name, (JSON.parse(payload) as { pid: number }).pid);
    }
    const pids = [...pidOf];
    const before = new Map(pids.map(([name, pid]) => [name, memory(pid)]));

    const attacker = await rawSubscriber(rig.endpoints.out);
    const prefix = "x".repeat(32 * 1024 - 8);
    attacker.subscribe(Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(8, "0")}${prefix}`));
    await attacker.closed; // the router cut it
    const after = await nextMatching(
      stats,
      "stats with disconnects.subscribers >= 1",
      (message) => statsOf(message).disconnects.subscribers >= 1,
      12_000,
    );
    const report = statsOf(after);
    assert.ok(report.subscriptions.bytes < 4096, `the publishers hold ${report.subscriptions.bytes} bytes of subscriptions`);

    // The bus still works, and nobody grew.
    const probe = rig.client.subscribe("PROBE:");
    await rig.wanted("PROBE: x");
    await sendUntilSeen(
      () => rig.client.publish("PROBE: after"),
      () => probe.nextWithin(50),
      "a message through the router after the attack",
    );
    for (const [name, pid] of pids) {
      const grown = memory(pid) - (before.get(name) ?? 0);
      assert.ok(grown < 40 * MB, `${name} grew by ${Math.round(grown / MB)} MB`);
    }
    for (const [name, child] of services) assert.equal(child.child.exitCode, null, `${name} is still running`);
  });

  it("past router.maxSubscriptions distinct subscriptions every subscriber is cut, and the bus carries on", async () => {
    const { router, client } = routerFixture();
    const r = await router({ config: { router: { maxSubscriptions: 100 } } });
    const watcher = client(r.endpoints);
    const stats = watcher.subscribe("ROUTER: stats ");
    const beats = watcher.subscribe("HEARTBEAT: router ");
    await watcher.waitForRouter();

    const attacker = await rawSubscriber(r.endpoints.out);
    attacker.subscribe(Array.from({ length: 150 }, (_, i) => `MANY: ${i} `));
    await attacker.closed;
    const cut = await nextMatching(
      stats,
      "stats with refused.oversubscribed >= 1",
      (message) => statsOf(message).refused.oversubscribed >= 1,
      5000,
    );
    assert.ok(cut);
    const problem = await nextMatching(
      beats,
      "a heartbeat with the problem",
      (message) => message.text.includes("cut every subscriber"),
      5000,
    );
    assert.match(problem.text, /more than router\.maxSubscriptions \(100\) distinct subscriptions/);
    await r.waitForLog((line) => line.msg.startsWith("too many distinct subscriptions: cutting every subscriber"));

    // The watcher's subscriber reconnected by itself; what the publishers hold is back to a few.
    const probe = watcher.subscribe("AFTER:");
    await sendUntilSeen(
      () => watcher.publish("AFTER: cut"),
      () => probe.nextWithin(50),
      "a message after every subscriber was cut",
    );
    const settled = await nextMatching(
      stats,
      "stats with subscriptions.prefixes < 20",
      (message) => statsOf(message).subscriptions.prefixes < 20,
      5000,
    );
    assert.ok(settled);
  });

  it("takes subscriptions up to router.maxSubscriptionBytes and cuts a libzmq subscriber at one byte more", async () => {
    const { router, client } = routerFixture();
    const r = await router({ config: { router: { maxSubscriptionBytes: 64 } } });
    const watcher = client(r.endpoints);
    await watcher.waitForRouter();
    const fits = new Subscriber({ linger: 0 });
    const tooLong = new Subscriber({ linger: 0 });
    try {
      fits.connect(r.endpoints.out);
      fits.subscribe(`FITS: ${"a".repeat(64 - 6)}`);
      await waitUntil(() => watcher.wants(`FITS: ${"a".repeat(58)}`), { what: "the 64-byte subscription at the publishers" });
      const cut = new Promise<void>((resolve) => {
        void (async () => {
          for await (const event of tooLong.events) if (event.type === "disconnect") return resolve();
        })().catch(() => undefined);
      });
      tooLong.connect(r.endpoints.out);
      tooLong.subscribe(`LONG: ${"b".repeat(64 - 6 + 1)}`);
      await cut;
      assert.ok(!watcher.wants(`LONG: ${"b".repeat(59)}`), "the long one never reached a publisher");
      assert.ok(watcher.wants(`FITS: ${"a".repeat(58)}`), "the one that fits is still there");
    } finally {
      fits.close();
      tooLong.close();
    }
  });
});
