import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyQueue, MAX_WAITING_KEYS } from "../src/key-queue.js";
import type { MusicAction } from "../src/keymap.js";

const next: MusicAction = { kind: "next" };
const toggle: MusicAction = { kind: "toggle" };
const louder: MusicAction = { kind: "volume", change: 5 };

describe("KeyQueue: keys waiting for MPD", () => {
  it("merges a flood of one key into the one waiting, and keeps a different key after it", () => {
    const keys = new KeyQueue();
    assert.equal(keys.add({ name: "RIGHT", action: next }), "waiting");
    for (let i = 0; i < 100_000; i++) assert.equal(keys.add({ name: "RIGHT", action: next }), "merged");
    assert.equal(keys.add({ name: "SELECT", action: toggle }), "waiting");
    assert.deepEqual(
      [keys.take(), keys.take(), keys.take()],
      [{ name: "RIGHT", action: next }, { name: "SELECT", action: toggle }, undefined],
    );
    assert.deepEqual(keys.counts, { merged: 100_000, dropped: 0 });
  });

  it("adds up volume steps (within ±100); a second play/pause takes back the first", () => {
    const keys = new KeyQueue();
    for (let i = 0; i < 3; i++) keys.add({ name: "UP", action: louder });
    assert.deepEqual(keys.take()?.action, { kind: "volume", change: 15 });
    for (let i = 0; i < 50; i++) keys.add({ name: "UP", action: louder });
    assert.deepEqual(keys.take()?.action, { kind: "volume", change: 100 });
    keys.add({ name: "SELECT", action: toggle });
    keys.add({ name: "SELECT", action: toggle });
    assert.equal(keys.size, 0);
    keys.add({ name: "SELECT", action: toggle });
    assert.equal(keys.size, 1);
  });

  it("keeps different playlists apart", () => {
    const keys = new KeyQueue();
    keys.add({ name: "1", action: { kind: "playlist", number: 1 } });
    assert.equal(keys.add({ name: "2", action: { kind: "playlist", number: 2 } }), "waiting");
    assert.equal(keys.add({ name: "2", action: { kind: "playlist", number: 2 } }), "merged");
  });

  it("drops keys past the limit, and counts them", () => {
    const keys = new KeyQueue();
    const alternate = (i: number): { name: string; action: MusicAction } =>
      i % 2 === 0 ? { name: "RIGHT", action: next } : { name: "LEFT", action: { kind: "previous" } };
    for (let i = 0; i < MAX_WAITING_KEYS; i++) assert.equal(keys.add(alternate(i)), "waiting");
    assert.equal(keys.add(alternate(MAX_WAITING_KEYS)), "dropped");
    assert.equal(keys.size, MAX_WAITING_KEYS);
    assert.deepEqual(keys.counts, { merged: 0, dropped: 1 });
    assert.equal(keys.clear(), MAX_WAITING_KEYS);
    assert.equal(keys.take(), undefined);
  });
});
