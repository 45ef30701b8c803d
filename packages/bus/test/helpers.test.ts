import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, ManualClock } from "@roomguard/runtime";
import type { BusClient } from "../src/client.js";
import { serveControl } from "../src/control.js";
import { connectAddress } from "../src/endpoints.js";
import { startHeartbeat } from "../src/heartbeat.js";
import { checkMessage, type BusMessage } from "../src/message.js";
import { Subscription } from "../src/subscription.js";

describe("startHeartbeat", () => {
  it("beats at once and then every interval, with pid and uptime", () => {
    const clock = new ManualClock(0);
    const sent: string[] = [];
    const heartbeat = startHeartbeat({
      bus: { publish: (text) => Promise.resolve(void sent.push(text)) },
      service: "keypad",
      intervalS: 5,
      clock,
      pid: 99,
    });
    clock.advance(12_000);
    heartbeat.stop();
    clock.advance(10_000);
    assert.deepEqual(sent, [
      'HEARTBEAT: keypad {"pid":99,"uptime_s":0}',
      'HEARTBEAT: keypad {"pid":99,"uptime_s":5}',
      'HEARTBEAT: keypad {"pid":99,"uptime_s":10}',
    ]);
  });

  it("with a bus that knows what is wanted, the first beat waits for a subscriber (up to an interval)", () => {
    const clock = new ManualClock(0);
    const sent: string[] = [];
    let subscribed = false;
    const bus = {
      publish: (text: string) => Promise.resolve(void sent.push(text)),
      wants: (text: string) => subscribed && text.startsWith("HEARTBEAT: keypad "),
    };
    startHeartbeat({ bus, service: "keypad", intervalS: 5, clock, pid: 7 });
    clock.advance(1000);
    assert.deepEqual(sent, [], "nobody listens yet: a beat now would be lost");
    subscribed = true;
    clock.advance(20);
    assert.deepEqual(sent, ['HEARTBEAT: keypad {"pid":7,"uptime_s":1}']);
    clock.advance(4000);
    assert.equal(sent.length, 2, "then every interval");

    const lonely: string[] = [];
    startHeartbeat({
      bus: { publish: (text) => Promise.resolve(void lonely.push(text)), wants: () => false },
      service: "x",
      intervalS: 2,
      clock,
      pid: 1,
    });
    clock.advance(2000);
    assert.equal(lonely.length, 1, "nobody ever listens: the regular beats start anyway");
    clock.advance(2000);
    assert.equal(lonely.length, 2);
  });

  it("beat() sends one at once with the extra fields of that moment, not before the first beat nor after stop()", () => {
    const clock = new ManualClock(0);
    const sent: string[] = [];
    let subscribed = false;
    let problem: string | undefined = "no MPD";
    const heartbeat = startHeartbeat({
      bus: { publish: (text) => Promise.resolve(void sent.push(text)), wants: () => subscribed },
      service: "music-player",
      intervalS: 5,
      clock,
      pid: 3,
      extra: () => (problem === undefined ? {} : { problem }),
    });
    heartbeat.beat();
    assert.deepEqual(sent, [], "before the first beat: it would be lost, and the first one says it anyway");
    subscribed = true;
    clock.advance(20);
    assert.deepEqual(sent, ['HEARTBEAT: music-player {"pid":3,"uptime_s":0,"problem":"no MPD"}']);
    clock.advance(480);
    problem = undefined;
    heartbeat.beat();
    assert.deepEqual(sent.slice(1), ['HEARTBEAT: music-player {"pid":3,"uptime_s":0.5}'], "at once, not at 5 s");
    clock.advance(4500);
    assert.equal(sent.length, 3, "the regular beats keep their time");
    heartbeat.stop();
    heartbeat.beat();
    clock.advance(10_000);
    assert.equal(sent.length, 3);
  });

  it("reports a failed beat and keeps beating", async () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    let calls = 0;
    startHeartbeat({
      bus: { publish: () => (++calls === 1 ? Promise.reject(new Error("closed")) : Promise.resolve()) },
      service: "x",
      intervalS: 1,
      clock,
      onError: (error) => errors.push(error),
    });
    clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
  });
});

describe("Subscription", () => {
  it("queues, hands over in order, and ends on close", async () => {
    const subscription = new Subscription<number>(
      ["A:"],
      10,
      () => undefined,
      () => undefined,
    );
    subscription.deliver(1);
    subscription.deliver(2);
    assert.deepEqual(await subscription.next(), { value: 1, done: false });
    const waiting = subscription.next();
    subscription.deliver(3);
    assert.deepEqual(await waiting, { value: 2, done: false });
    assert.equal(await subscription.nextWithin(10), 3);
    assert.equal(await subscription.nextWithin(10), undefined);
    const pending = subscription.next();
    subscription.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
  });

  it("drops the oldest when the consumer falls behind, and says so", () => {
    let overflows = 0;
    const subscription = new Subscription<number>(
      [""],
      3,
      () => undefined,
      () => overflows++,
    );
    for (let i = 0; i < 5; i++) subscription.deliver(i);
    assert.equal(subscription.droppedCount, 2);
    assert.equal(overflows, 2);
    return subscription.nextWithin(1).then((first) => assert.equal(first, 2));
  });

  it("does not lose a message that arrives after nextWithin gave up", async () => {
    const subscription = new Subscription<number>(
      [""],
      3,
      () => undefined,
      () => undefined,
    );
    assert.equal(await subscription.nextWithin(5), undefined);
    subscription.deliver(7);
    assert.equal(await subscription.nextWithin(5), 7);
  });
});

describe("connectAddress", () => {
  it("turns a wildcard bind address into loopback", () => {
    assert.equal(connectAddress("tcp://*:5556"), "tcp://127.0.0.1:5556");
    assert.equal(connectAddress("tcp://0.0.0.0:5555"), "tcp://127.0.0.1:5555");
    assert.equal(connectAddress("tcp://127.0.0.1:5555"), "tcp://127.0.0.1:5555");
    assert.equal(connectAddress("ipc:///run/roomguard/in"), "ipc:///run/roomguard/in");
    assert.throws(() => connectAddress("tcp://127.0.0.1:*"), /chosen by the router at bind time/);
  });
});

describe("serveControl", () => {
  function fakeBus(): { bus: Pick<BusClient, "subscribe" | "publish">; inbox: Subscription<BusMessage>; sent: string[] } {
    const sent: string[] = [];
    const inbox = new Subscription<BusMessage>(
      ["CONTROL: "],
      100,
      () => undefined,
      () => undefined,
    );
    const bus = {
      subscribe: () => inbox,
      publish: (text: string) => {
        sent.push(text);
        return Promise.resolve();
      },
    } as unknown as Pick<BusClient, "subscribe" | "publish">;
    return { bus, inbox, sent };
  }

  it("answers STATUS, STOP, its own commands, and unknown ones with help", async () => {
    const { bus, inbox, sent } = fakeBus();
    let stops = 0;
    const lines: string[] = [];
    serveControl({
      bus,
      service: "keypad",
      log: createLogger({ service: "t", stream: { write: (text: string) => lines.push(text) } }),
      status: () => ({ keys: 5 }),
      stop: () => ++stops === 1,
      commands: { RESCAN: () => ({ rescanned: true }) },
    });
    for (const text of [
      "CONTROL: keypad STATUS",
      "CONTROL: keypad RESCAN",
      "CONTROL: keypad DANCE",
      "CONTROL: keypad STOP",
      "CONTROL: keypad STOP",
      "CONTROL: keypad",
    ]) {
      inbox.deliver(checkMessage(text));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(sent, [
      'STATUS: keypad {"keys":5}',
      'STATUS: keypad {"rescanned":true}',
      'STATUS: keypad {"error":"unknown command DANCE","known":["STATUS","STOP","RESCAN"]}',
      'STATUS: keypad {"refused":"STOP","reason":"this service does not accept STOP from the bus"}',
    ]);
    assert.equal(stops, 2);
    assert.ok(lines.some((line) => line.includes("ignoring malformed CONTROL messages")));
  });
});
