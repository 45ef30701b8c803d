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

  /** A bus that knows what the router wants, and tells when that changes (as BusClient does). */
  function wantingBus(wanted: (text: string) => boolean = () => false) {
    const sent: string[] = [];
    const listeners = new Set<() => void>();
    let wants = wanted;
    return {
      sent,
      listeners,
      /** The router's subscriptions change: now it wants what `now` says. */
      change: (now: (text: string) => boolean): void => {
        wants = now;
        for (const listener of [...listeners]) listener();
      },
      bus: {
        publish: (text: string) => Promise.resolve(void sent.push(text)),
        wants: (text: string) => wants(text),
        onWantedChange: (listener: () => void) => (listeners.add(listener), () => void listeners.delete(listener)),
      },
    };
  }

  it("with a bus that knows what is wanted, the first beat waits for a subscriber (up to an interval)", () => {
    const clock = new ManualClock(0);
    const { bus, sent, listeners, change } = wantingBus();
    startHeartbeat({ bus, service: "keypad", intervalS: 5, clock, pid: 7 });
    clock.advance(1000);
    assert.deepEqual(sent, [], "nobody listens yet: a beat now would be lost");
    change((text) => text.startsWith("KEY:"));
    assert.deepEqual(sent, [], "a subscription to something else");
    change((text) => text.startsWith("HEARTBEAT: keypad "));
    assert.deepEqual(sent, ['HEARTBEAT: keypad {"pid":7,"uptime_s":1}'], "at once, no clock involved");
    assert.equal(listeners.size, 0, "it stops listening once it has beaten");
    clock.advance(4000);
    assert.equal(sent.length, 2, "then every interval");

    const lonely = wantingBus();
    startHeartbeat({ bus: lonely.bus, service: "x", intervalS: 2, clock, pid: 1 });
    clock.advance(2000);
    assert.equal(lonely.sent.length, 1, "nobody ever listens: the regular beats start anyway");
    assert.equal(lonely.listeners.size, 0);
    clock.advance(2000);
    assert.equal(lonely.sent.length, 2);

    const heard = wantingBus((text) => text.startsWith("HEARTBEAT:"));
    startHeartbeat({ bus: heard.bus, service: "y", intervalS: 2, clock, pid: 2 });
    assert.deepEqual(heard.sent, ['HEARTBEAT: y {"pid":2,"uptime_s":0}'], "wanted already: at once");
    assert.equal(heard.listeners.size, 0, "and no listening");
  });

  it("beat() sends one at once with the extra fields of that moment, not before the first beat nor after stop()", () => {
    const clock = new ManualClock(0);
    const { bus, sent, change } = wantingBus();
    let problem: string | undefined = "no MPD";
    const heartbeat = startHeartbeat({
      bus,
      service: "music-player",
      intervalS: 5,
      clock,
      pid: 3,
      extra: () => (problem === undefined ? {} : { problem }),
    });
    heartbeat.beat();
    assert.deepEqual(sent, [], "before the first beat: it would be lost, and the first one says it anyway");
    change(() => true);
    assert.deepEqual(sent, ['HEARTBEAT: music-player {"pid":3,"uptime_s":0,"problem":"no MPD"}']);
    clock.advance(500);
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

  it("stop() before anybody listened ends the wait too", () => {
    const clock = new ManualClock(0);
    const { bus, sent, listeners, change } = wantingBus();
    startHeartbeat({ bus, service: "keypad", intervalS: 5, clock, pid: 7 }).stop();
    assert.equal(listeners.size, 0);
    change(() => true);
    clock.advance(10_000);
    assert.deepEqual(sent, []);
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

  it("bounds the bytes it queues too: the oldest go first", async () => {
    const subscription = new Subscription<string>(
      [""],
      1000,
      () => undefined,
      () => undefined,
      { max: 10, sizeOf: (text) => text.length },
    );
    for (const text of ["aaaa", "bbbb", "cccc", "dd"]) subscription.deliver(text);
    assert.equal(subscription.droppedCount, 1);
    assert.equal(await subscription.nextWithin(1), "bbbb");
    subscription.deliver("eeee"); // room again after one was taken
    assert.equal(subscription.droppedCount, 1);
    assert.deepEqual(
      [await subscription.nextWithin(1), await subscription.nextWithin(1), await subscription.nextWithin(1)],
      ["cccc", "dd", "eeee"],
    );
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
  function fakeBus(): {
    bus: Pick<BusClient, "subscribe" | "publish">;
    inbox: Subscription<BusMessage>;
    sent: string[];
    /** Resolves once `count` answers have been published. */
    answers: (count: number) => Promise<string[]>;
  } {
    const sent: string[] = [];
    const waiting = new Set<() => void>();
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
        for (const wake of [...waiting]) wake();
        return Promise.resolve();
      },
    } as unknown as Pick<BusClient, "subscribe" | "publish">;
    const answers = (count: number): Promise<string[]> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (sent.length < count) return;
          waiting.delete(check);
          resolve(sent);
        };
        waiting.add(check);
        check();
      });
    return { bus, inbox, sent, answers };
  }

  it("answers STATUS, STOP, its own commands, and unknown ones with help", async () => {
    const { bus, inbox, answers } = fakeBus();
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
      "CONTROL: keypad",
      "CONTROL: keypad STATUS",
      "CONTROL: keypad RESCAN",
      "CONTROL: keypad DANCE",
      "CONTROL: keypad STOP",
      "CONTROL: keypad STOP",
    ]) {
      inbox.deliver(checkMessage(text));
    }
    // The malformed one first: once the last answer is out, it has been read (and logged).
    assert.deepEqual(await answers(4), [
      'STATUS: keypad {"keys":5}',
      'STATUS: keypad {"rescanned":true}',
      'STATUS: keypad {"error":"unknown command DANCE","known":["STATUS","STOP","RESCAN"]}',
      'STATUS: keypad {"refused":"STOP","reason":"this service does not accept STOP from the bus"}',
    ]);
    assert.equal(stops, 2, "the first STOP accepted (no answer), the second refused");
    assert.ok(lines.some((line) => line.includes("ignoring malformed CONTROL messages")));
  });

  it("answers with the request id a command carries, refusals and errors included", async () => {
    const { bus, inbox, answers } = fakeBus();
    serveControl({
      bus,
      service: "keypad",
      log: createLogger({ service: "t", stream: { write: () => true } }),
      status: () => ({ keys: 5 }),
      stop: () => false,
      // A payload's own `id` field gives way to the asker's.
      commands: { RESCAN: (args) => ({ id: "the service's", rescanned: (args as { full?: boolean }).full === true }) },
    });
    for (const text of [
      'CONTROL: keypad STATUS {"id":"abc"}',
      'CONTROL: keypad RESCAN {"id":"r-2","full":true}',
      'CONTROL: keypad DANCE {"id":"d-3"}',
      'CONTROL: keypad STOP {"id":"s-4"}',
      'CONTROL: all STATUS {"id":7}',
      "CONTROL: all STATUS",
    ]) {
      inbox.deliver(checkMessage(text));
    }
    assert.deepEqual(await answers(6), [
      'STATUS: keypad {"id":"abc","keys":5}',
      'STATUS: keypad {"id":"r-2","rescanned":true}',
      'STATUS: keypad {"id":"d-3","error":"unknown command DANCE","known":["STATUS","STOP","RESCAN"]}',
      'STATUS: keypad {"id":"s-4","refused":"STOP","reason":"this service does not accept STOP from the bus"}',
      'STATUS: keypad {"keys":5}',
      'STATUS: keypad {"keys":5}',
    ]);
  });
});
