// A page's bounded channel: everything at once while it keeps up; the latest per key, then a snapshot, while it does not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientChannel, type ChannelSocket } from "../src/client-channel.js";

/** A socket whose buffer the test fills and drains by hand: sent frames wait for drain(). */
class FakeSocket implements ChannelSocket {
  bufferedAmount = 0;
  readonly sent: string[] = [];
  private readonly callbacks: (() => void)[] = [];

  send(data: string, callback: (error?: Error) => void): void {
    this.sent.push(data);
    this.bufferedAmount += data.length;
    this.callbacks.push(() => callback());
  }

  /** The network takes everything buffered: each write's callback runs. */
  drain(): void {
    this.bufferedAmount = 0;
    for (const callback of this.callbacks.splice(0)) callback();
  }
}

function channel(socket: FakeSocket, clock = { ms: 0 }) {
  let snapshots = 0;
  const made = new ClientChannel(socket, {
    highWaterBytes: 100,
    maxPendingEvents: 3,
    snapshot: () => `snapshot ${++snapshots}`,
    now: () => clock.ms,
  });
  return made;
}

describe("a page's channel", () => {
  it("sends every frame at once while the socket keeps up", () => {
    const socket = new FakeSocket();
    const ch = channel(socket);
    for (let i = 0; i < 5; i++) {
      ch.set("sensors/hall", `hall ${i}`);
      socket.drain();
    }
    ch.event("event 1");
    assert.deepEqual(socket.sent, ["hall 0", "hall 1", "hall 2", "hall 3", "hall 4", "event 1"]);
    assert.equal(ch.coalesced, 0);
  });

  it("keeps only the latest frame of each key while the socket is behind, and sends them once it drains", () => {
    const socket = new FakeSocket();
    const ch = channel(socket);
    ch.set("big", "x".repeat(200)); // past the high water mark
    for (let i = 0; i < 1000; i++) ch.set("sensors/hall", `hall ${i}`);
    ch.set("zones/front", "front open");
    ch.event("event a");
    assert.deepEqual(socket.sent, ["x".repeat(200)], "nothing more while behind");
    assert.equal(ch.coalesced, 999);
    socket.drain();
    assert.deepEqual(socket.sent.slice(1), ["event a", "hall 999", "front open"]);
  });

  it("owes a snapshot, not a queue, once too many events wait; and says how long it was behind", () => {
    const socket = new FakeSocket();
    const clock = { ms: 1000 };
    const ch = channel(socket, clock);
    ch.set("big", "x".repeat(200));
    for (let i = 0; i < 10; i++) ch.event(`event ${i}`);
    ch.set("alarm", "alarm armed");
    clock.ms = 6000;
    assert.equal(ch.behindForMs(), 5000);
    socket.drain();
    assert.deepEqual(socket.sent.slice(1), ["snapshot 1"], "one fresh snapshot replaces every waiting frame");
    assert.equal(ch.behindForMs(), 0);
  });

  it("sends replies whatever the buffer holds", () => {
    const socket = new FakeSocket();
    const ch = channel(socket);
    ch.set("big", "x".repeat(200));
    ch.direct("reply 1");
    assert.deepEqual(socket.sent.slice(1), ["reply 1"]);
  });

  it("holds at most one frame per key and the event limit however much is sent to a page that never reads", () => {
    const socket = new FakeSocket();
    const ch = channel(socket);
    ch.set("big", "x".repeat(200));
    for (let i = 0; i < 100_000; i++) {
      ch.set(`sensors/s${i % 10}`, `reading ${i}`);
      if (i % 100 === 0) ch.event(`event ${i}`);
    }
    assert.equal(socket.sent.length, 1);
    socket.drain();
    assert.deepEqual(socket.sent.slice(1), ["snapshot 1"]);
  });
});
