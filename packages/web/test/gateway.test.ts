// The gateway as a real process on a real router: snapshot and changes, each role's allow-list,
// requests to the alarm's socket (never the bus), SIM: on simulated hardware only, and a page that never reads.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RequestRefused, serveRequests, type BusMessage } from "@roomguard/bus";
import { createLogger, hashSecret, statusBytes } from "@roomguard/runtime";
import { busRig, waitUntil } from "@roomguard/testing";
import { login, openPage, urlOf, type PageMessage } from "./web-rig.js";
import { ARMED_AWAY } from "@roomguard/testing";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const quiet = createLogger({ service: "test", level: "error", stream: { write: () => undefined } });
const ARMED = ARMED_AWAY;

interface AlarmCall {
  command: string;
  args: Record<string, unknown>;
}

const alarmCalls: AlarmCall[] = [];
const everything: BusMessage[] = [];
const rig = await busRig();
after(() => rmSync(rig.dir, { recursive: true, force: true }));
const alarm = await serveRequests({
  endpoint: `ipc://${rig.dir}/alarm.sock`,
  service: "alarm",
  log: quiet,
  handlers: {
    arm: (args) => {
      alarmCalls.push({ command: "arm", args });
      if (args.code !== "1234") throw new RequestRefused("wrong code; 4 attempts left before code entry locks");
      return { state: { state: "arming", mode: args.mode } };
    },
    disarm: (args) => (alarmCalls.push({ command: "disarm", args }), { state: { state: "disarmed" } }),
    history: (args) => (alarmCalls.push({ command: "history", args }), { events: [{ kind: "arm", at: "2026-12-02T10:00:00.000Z" }] }),
  },
});
after(() => alarm.close());
const all = rig.client.subscribe("");
void (async () => {
  for await (const message of all) everything.push(message);
})();
after(() => all.close());
const password = (text: string) => hashSecret(text, { N: 16 });
const web = rig.service("web", MAIN, {
  hardware: { backend: "sim" },
  web: {
    listen: "127.0.0.1:0",
    stateDir: `${rig.dir}/web`,
    users: [
      { name: "ann", role: "admin", password: await password("admin-pw") },
      { name: "uma", role: "user", password: await password("user-pw") },
      { name: "val", role: "viewer", password: await password("viewer-pw") },
    ],
  },
  alarm: {
    requests: `ipc://${rig.dir}/alarm.sock`,
    zones: [
      { sensor: "front", type: "entry" },
      { sensor: "hall", type: "follower" },
    ],
  },
  sensors: [{ id: "climate", kind: "bme280" }],
  launcher: { control: `ipc://${rig.dir}/no-launcher.sock` },
  router: { journal: { dir: `${rig.dir}/journal` } },
});
const url = await urlOf(web);
await rig.wanted("ALARM: x");
await rig.wanted("SENSOR: x");

describe("the gateway", { timeout: 120_000 }, () => {
  it("greets each page by role, sends the state as a snapshot, then every change", async () => {
    await rig.client.publish(`ALARM: armed_away ${JSON.stringify(ARMED)}`);
    await rig.client.publish("DOOR: front open");
    await rig.client.publish('SENSOR: climate {"temperature_c":21.5}');
    await rig.client.publish('MUSIC: play {"title":"So What","volume":60}');
    const viewer = await openPage(url, await login(url, "val", "viewer-pw"));
    const hello = viewer.messages[0];
    assert.deepEqual(
      { ...hello, now: 0 },
      {
        t: "hello",
        v: 1,
        user: "val",
        role: "viewer",
        insecure: false,
        sim: true,
        allowed: ["history", "audit"],
        now: 0,
      },
    );
    // The messages above may still be on their way: the page has them as a snapshot or as changes.
    await viewer.next("the door open", (m) => JSON.stringify(m).includes('"open":true'));
    const latest = await waitUntil(
      async () => {
        const page = await openPage(url, await login(url, "val", "viewer-pw"));
        const state = page.messages.find((m) => m.t === "snapshot")?.state as Record<string, Record<string, Record<string, unknown>>>;
        page.close();
        return state.alarm !== null && state.music !== null && state.sensors?.climate?.reading !== null ? state : undefined;
      },
      { what: "a snapshot holding what was published" },
    );
    assert.equal((latest.alarm as Record<string, unknown>).state, "armed_away");
    assert.deepEqual((latest.zones as Record<string, unknown>).front, {
      type: "entry",
      sensor: "front",
      open: true,
      trouble: null,
      at: (latest.zones as Record<string, Record<string, unknown>>).front?.at,
    });
    assert.deepEqual((latest.sensors as Record<string, Record<string, unknown>>).climate?.reading, { temperature_c: 21.5 });
    assert.equal((latest.music as Record<string, unknown>).title, "So What");
    assert.match(String((latest.services as Record<string, unknown>).problem), /launcher does not answer/);

    await rig.client.publish("DOOR: front closed");
    const closed = await viewer.next(
      "the door closed",
      (m) => m.t === "set" && m.name === "front" && (m.value as Record<string, unknown>).open === false,
    );
    assert.equal(closed.section, "zones");
    viewer.close();
  });

  it("refuses what a role may not send, and bad requests, each with a message", async () => {
    const viewer = await openPage(url, await login(url, "val", "viewer-pw"));
    const user = await openPage(url, await login(url, "uma", "user-pw"));
    const refusals: [PageMessage, string, RegExp][] = [
      [await viewer.ask("arm", { mode: "away", code: "1234" }), "forbidden", /val \(viewer\) may not arm/],
      [await viewer.ask("journal", {}), "forbidden", /may not journal/],
      [await user.ask("bypass", { code: "1234", zones: ["front"] }), "forbidden", /uma \(user\) may not bypass/],
      [await user.ask("arm", { mode: "away", code: "1234", bypass: true }), "forbidden", /only an admin may bypass/],
      [await user.ask("sim", { command: "gpio", pin: 25, level: 1 }), "forbidden", /may not sim/],
      [await user.ask("arm", { mode: "party", code: "1234" }), "bad-request", /"mode" to be one of away, home, night/],
      [await user.ask("disarm", {}), "bad-request", /enter a code/],
      [await user.ask("frobnicate", {}), "bad-request", /unknown command/],
      [await user.ask("music", { action: "volume", volume: 300 }), "bad-request", /"volume" to be a whole number from 0 to 100/],
    ];
    for (const [reply, error, message] of refusals) {
      assert.equal(reply.ok, false);
      assert.equal(reply.error, error, JSON.stringify(reply));
      assert.match(String(reply.message), message);
    }
    user.socket.send("not json at all");
    user.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await user.next(
      "two bad-request replies",
      () => user.messages.filter((m) => m.t === "reply" && m.error === "bad-request" && m.id === "").length === 2,
    );
    assert.equal(alarmCalls.length, 0, "nothing refused reached the alarm");
    viewer.close();
    user.close();
  });

  it("passes arm and disarm with the code to the alarm's socket, never to the bus, and says the alarm's refusal", async () => {
    const user = await openPage(url, await login(url, "uma", "user-pw"));
    const wrong = await user.ask("arm", { mode: "night", code: "9999" });
    assert.deepEqual([wrong.ok, wrong.error, wrong.message], [false, "refused", "wrong code; 4 attempts left before code entry locks"]);
    const armed = await user.ask("arm", { mode: "away", code: "1234" });
    assert.equal(armed.ok, true);
    assert.deepEqual(alarmCalls.at(-1), { command: "arm", args: { source: "dashboard", via: "web:uma", mode: "away", code: "1234" } });
    const audit = await user.ask("audit", { limit: 10 });
    assert.deepEqual(audit.result, { events: [{ kind: "arm", at: "2026-12-02T10:00:00.000Z" }] });
    // A marker after the requests: everything before it has passed the router.
    await rig.client.publish("KEY: MARKER");
    await waitUntil(() => everything.some((m) => m.text === "KEY: MARKER"), { what: "the marker" });
    assert.ok(!everything.some((m) => m.text.includes("1234") || m.text.includes("9999")), "no code on the bus");
    user.close();
  });

  it("sends SIM: for an admin on simulated hardware, checked", async () => {
    const admin = await openPage(url, await login(url, "ann", "admin-pw"));
    assert.ok((admin.messages[0]?.allowed as string[]).includes("sim"));
    const sent = await admin.ask("sim", { command: "gpio", pin: 25, level: 1 });
    assert.equal(sent.ok, true);
    await waitUntil(() => everything.some((m) => m.text === "SIM: gpio 25 1"), { what: "SIM: gpio 25 1 on the bus" });
    const off = await admin.ask("sim", { command: "gpio", pin: 40, level: 1 });
    assert.equal(off.error, "bad-request");
    admin.close();
  });

  it("cuts a page that sends a frame over 4 KiB, and answers a flood of 5,000 requests with busy, keeping memory flat", async () => {
    const big = await openPage(url, await login(url, "ann", "admin-pw"));
    const closed = new Promise<number>((resolve) => big.socket.once("close", (code: number) => resolve(code)));
    big.socket.send(JSON.stringify({ t: "req", id: "big", cmd: "history", args: { sensor: "x".repeat(5000), quantity: "q" } }));
    assert.equal(await closed, 1009, "message too big");

    const flood = await openPage(url, await login(url, "ann", "admin-pw"));
    const rssBefore = statusBytes(web.child.pid ?? 0, "VmRSS") ?? 0;
    const frames = 5_000;
    for (let i = 0; i < frames; i++)
      flood.socket.send(
        JSON.stringify({
          t: "req",
          id: `f${i}`,
          cmd: i % 2 === 0 ? "audit" : "history",
          args: i % 2 === 0 ? {} : { sensor: "climate", quantity: "temperature_c" },
        }),
      );
    await flood.next("every request answered", () => flood.messages.filter((m) => m.t === "reply").length === frames, 60_000);
    const replies = flood.messages.filter((m) => m.t === "reply");
    const busy = replies.filter((m) => m.error === "busy").length;
    assert.ok(busy > 0, "requests past 4 in flight are busy");
    assert.equal(new Set(replies.map((m) => m.id)).size, frames, "one reply per request, none lost");
    const growth = ((statusBytes(web.child.pid ?? 0, "VmRSS") ?? 0) - rssBefore) / 2 ** 20;
    assert.ok(growth < 40, `the gateway grew ${growth.toFixed(1)} MB`);
    console.log(`# ${frames} requests: ${busy} busy; gateway grew ${growth.toFixed(1)} MB`);
    const still = await flood.ask("history", { sensor: "climate", quantity: "temperature_c" });
    assert.equal(still.ok, true, "the page goes on");
    flood.close();
  });

  it("a page that never reads costs a bounded buffer while 100,000 messages flow; another page still gets every alarm change", async () => {
    const stalled = await openPage(url, await login(url, "val", "viewer-pw"));
    stalled.socket.pause();
    const watcher = await openPage(url, await login(url, "val", "viewer-pw"));
    const rssBefore = statusBytes(web.child.pid ?? 0, "VmRSS");
    const states: string[] = [];
    // Readings (batched per key), security events (each sent at once: these fill the stalled
    // page's socket) and, every 1,000 messages, a change of the alarm's state.
    const reason = "r".repeat(200);
    for (let i = 0; i < 100_000; i++) {
      const publishing =
        i % 5 === 0
          ? rig.client.publish(`ALARM: event {"kind":"refused","at":"2026-12-02T10:00:00.000Z","source":"keypad","reason":"${reason}"}`)
          : rig.client.publish(`SENSOR: climate {"temperature_c":${20 + (i % 100) / 10}}`);
      if (i % 1000 === 0) {
        const changedBy = `step-${i / 1000}`;
        states.push(changedBy);
        await rig.client.publish(`ALARM: armed_away ${JSON.stringify({ ...ARMED, changed_by: changedBy })}`);
      }
      if (i % 500 === 0) await publishing;
    }
    const last = states.at(-1);
    await watcher.next("the last alarm change", (m) => m.t === "set" && (m.value as Record<string, unknown>).changed_by === last, 30_000);
    const seen = watcher.messages
      .filter((m) => m.t === "set" && m.section === "alarm")
      .map((m) => (m.value as Record<string, unknown>).changed_by);
    assert.deepEqual(seen, states, "every alarm change, in order");
    const rssAfter = statusBytes(web.child.pid ?? 0, "VmRSS");
    assert.ok(rssAfter !== null && rssBefore !== null);
    const growth = (rssAfter - rssBefore) / 2 ** 20;
    assert.ok(growth < 40, `the gateway grew ${growth.toFixed(1)} MB`);
    const status = await waitUntil(
      async () => {
        const answers = rig.client.subscribe("STATUS: web ");
        await rig.client.publish('CONTROL: web STATUS {"id":"s1"}');
        const answer = await answers.nextWithin(2000);
        answers.close();
        return answer;
      },
      { what: "the gateway's STATUS" },
    );
    const stats = JSON.parse(status.rest.slice("web ".length)) as { coalesced: number; maxBacklogBytes: number };
    assert.ok(stats.coalesced > 0, `frames coalesced for the stalled page: ${stats.coalesced}`);
    // 20,000 events of ~300 bytes were for the stalled page: it holds a buffer's worth, not 6 MB.
    assert.ok(stats.maxBacklogBytes < 256 * 1024, `the stalled page holds ${stats.maxBacklogBytes} bytes in the gateway`);
    console.log(
      `# gateway RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MB; coalesced ${stats.coalesced}; stalled page's backlog ${stats.maxBacklogBytes} bytes`,
    );
    stalled.close();
    watcher.close();
  });
});
