import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "@roomguard/config";
import { parseAction, parseKeymap } from "../src/keymap.js";

describe("keymap actions", () => {
  it("reads every form", () => {
    assert.deepEqual(parseAction("next"), { kind: "next" });
    assert.deepEqual(parseAction(" toggle "), { kind: "toggle" });
    assert.deepEqual(parseAction("volume +5"), { kind: "volume", change: 5 });
    assert.deepEqual(parseAction("volume -10"), { kind: "volume", change: -10 });
    assert.deepEqual(parseAction("playlist 3"), { kind: "playlist", number: 3 });
  });

  it("refuses anything else, listing the forms", () => {
    for (const bad of ["", "skip", "next 2", "volume 5", "volume +", "volume +1000", "playlist 0", "playlist x", "playlist 1 2"]) {
      assert.throws(
        () => parseAction(bad),
        /^Error: expected one of: previous, next, toggle, play, pause, stop, volume \+N, volume -N, playlist N; got /,
        bad,
      );
    }
  });

  it("the default keymap is the five-way pad plus playlists 1-9, and all of it parses", () => {
    const result = validateConfig({});
    assert.ok(result.ok);
    const { actions, problems } = parseKeymap(result.config.music.keymap);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions.get("LEFT"), { kind: "previous" });
    assert.deepEqual(actions.get("RIGHT"), { kind: "next" });
    assert.deepEqual(actions.get("SELECT"), { kind: "toggle" });
    assert.deepEqual(actions.get("UP"), { kind: "volume", change: 5 });
    assert.deepEqual(actions.get("DOWN"), { kind: "volume", change: -5 });
    for (let n = 1; n <= 9; n++) assert.deepEqual(actions.get(String(n)), { kind: "playlist", number: n });
    assert.equal(actions.size, 14);
  });
});
