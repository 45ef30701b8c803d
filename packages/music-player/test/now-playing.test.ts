import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nowPlaying } from "../src/now-playing.js";

describe("what MUSIC: says", () => {
  it("takes the song's tags, MPD's times in tenths and its volume", () => {
    assert.deepEqual(
      nowPlaying(
        {
          state: "play",
          volume: "60",
          elapsed: "12.546",
          duration: "562.012",
          file: "jazz/so-what.mp3",
          Title: "So What",
          Artist: "Miles Davis",
        },
        "1 jazz",
      ),
      {
        state: "play",
        title: "So What",
        artist: "Miles Davis",
        file: "jazz/so-what.mp3",
        elapsed_s: 12.5,
        duration_s: 562,
        volume: 60,
        playlist: "1 jazz",
      },
    );
  });

  it("a file without tags shows its name; no mixer is a null volume; stopped with nothing is all null", () => {
    const untagged = nowPlaying({ state: "pause", volume: "-1", elapsed: "1", file: "a/My Song.flac", duration: "3.3" }, null);
    assert.equal(untagged.title, "My Song");
    assert.equal(untagged.artist, null);
    assert.equal(untagged.volume, null);
    assert.equal(untagged.duration_s, 3.3);
    assert.deepEqual(nowPlaying({ state: "stop", volume: "100" }, null), {
      state: "stop",
      title: null,
      artist: null,
      file: null,
      elapsed_s: null,
      duration_s: null,
      volume: 100,
      playlist: null,
    });
    assert.equal(nowPlaying({ state: "weird" }, null).state, "stop");
  });
});
