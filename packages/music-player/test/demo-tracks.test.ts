import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import {
  DEMO_FOLDER,
  DEMO_SAMPLE_RATE,
  DEMO_TRACKS,
  demoTrackSeconds,
  noteHz,
  renderDemoTrack,
  writeDemoTracks,
} from "../src/demo-tracks.js";

/** The chunks of a RIFF file, read by the spec (little-endian sizes, odd sizes padded), not by our writer's code. */
function riffChunks(bytes: Buffer): { form: string; chunks: Map<string, Buffer> } {
  assert.equal(bytes.toString("ascii", 0, 4), "RIFF");
  assert.equal(bytes.readUInt32LE(4), bytes.length - 8, "the RIFF size is the file's size less 8");
  const chunks = new Map<string, Buffer>();
  for (let at = 12; at < bytes.length;) {
    const id = bytes.toString("ascii", at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    assert.ok(at + 8 + size <= bytes.length, `chunk ${id} fits in the file`);
    chunks.set(id, bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size + (size % 2);
  }
  return { form: bytes.toString("ascii", 8, 12), chunks };
}

function infoTags(list: Buffer): Record<string, string> {
  assert.equal(list.toString("ascii", 0, 4), "INFO");
  const tags: Record<string, string> = {};
  for (let at = 4; at < list.length;) {
    const size = list.readUInt32LE(at + 4);
    tags[list.toString("ascii", at, at + 4)] = list.toString("utf8", at + 8, at + 8 + size).replace(/\0+$/, "");
    at += 8 + size + (size % 2);
  }
  return tags;
}

describe("the demo tracks", () => {
  it("are mono 16-bit PCM WAV files of the stated length with title, artist and album in a LIST/INFO chunk", () => {
    const musicDir = mkdtempSync(path.join(tmpdir(), "roomguard-demo-"));
    const folder = writeDemoTracks(musicDir);
    assert.equal(folder, path.join(musicDir, DEMO_FOLDER));
    assert.deepEqual(readdirSync(folder).sort(), ["1 Morning Bells.wav", "2 Night Watch.wav", "3 Open Door Waltz.wav", "README.txt"]);
    const stated = { "Morning Bells": 6, "Night Watch": 8, "Open Door Waltz": 9 };
    for (const track of DEMO_TRACKS) {
      const { form, chunks } = riffChunks(readFileSync(path.join(folder, track.file)));
      assert.equal(form, "WAVE");
      const format = chunks.get("fmt ") ?? assert.fail("no fmt chunk");
      assert.deepEqual(
        [
          format.readUInt16LE(0),
          format.readUInt16LE(2),
          format.readUInt32LE(4),
          format.readUInt32LE(8),
          format.readUInt16LE(12),
          format.readUInt16LE(14),
        ],
        [1, 1, 22_050, 44_100, 2, 16],
        "PCM, mono, 22050 Hz, 44100 bytes/s, 2 bytes a frame, 16 bits",
      );
      const seconds = stated[track.title as keyof typeof stated];
      assert.equal(chunks.get("data")?.length, seconds * 22_050 * 2, `${track.title}: ${seconds} s of samples`);
      assert.equal(demoTrackSeconds(track), seconds);
      assert.deepEqual(infoTags(chunks.get("LIST") ?? assert.fail("no LIST chunk")), {
        INAM: track.title,
        IART: "roomguard demo",
        IPRD: "roomguard demo tracks",
      });
    }
    assert.match(readFileSync(path.join(folder, "README.txt"), "utf8"), /Put your own music files in the music directory/);
  });

  it("sox reads them as WAV files of the stated length (another program's opinion)", () => {
    const folder = writeDemoTracks(mkdtempSync(path.join(tmpdir(), "roomguard-demo-")));
    for (const track of DEMO_TRACKS) {
      const ask = (option: string): string => {
        const soxi = spawnSync("soxi", [option, path.join(folder, track.file)], { encoding: "utf8" });
        assert.equal(soxi.status, 0, `soxi ${option}: ${soxi.stderr}`);
        return soxi.stdout.trim();
      };
      assert.deepEqual(
        ["-t", "-r", "-c", "-b", "-D"].map(ask),
        ["wav", "22050", "1", "16", demoTrackSeconds(track).toFixed(6)],
        `${track.file}: type, rate, channels, bits, seconds`,
      );
    }
  });

  it("play their notes: each note's pitch, silence in rests, no clipping; the same bytes every time", () => {
    assert.equal(noteHz("A4"), 440);
    assert.equal(Math.round(noteHz("C5") * 100) / 100, 523.25);
    assert.equal(Math.round(noteHz("F#4") * 100) / 100, 369.99);
    assert.throws(() => noteHz("H2"), /expected a note such as C5 or F#4, got "H2"/);
    for (const track of DEMO_TRACKS) {
      const samples = renderDemoTrack(track);
      const perNote = samples.length / track.notes.length;
      track.notes.forEach((note, index) => {
        const part = samples.subarray(index * perNote, (index + 1) * perNote);
        const peak = part.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
        if (note === "-") {
          assert.equal(peak, 0, `${track.title} note ${index}: a rest is silent`);
          return;
        }
        assert.ok(peak > 3000 && peak < 32_767, `${track.title} note ${index}: audible, not clipped (peak ${peak})`);
        // sin(x) + 0.3 sin(2x) crosses zero only where sin(x) does: rising crossings count the note's cycles.
        let rising = 0;
        for (let i = 1; i < part.length; i += 1) if ((part[i - 1] ?? 0) < 0 && (part[i] ?? 0) >= 0) rising += 1;
        const hz = (rising * DEMO_SAMPLE_RATE) / part.length;
        assert.ok(Math.abs(hz - noteHz(note)) < 2 * (DEMO_SAMPLE_RATE / part.length), `${track.title} note ${index}: ${note} is ${hz} Hz`);
      });
      assert.deepEqual(renderDemoTrack(track), samples, "deterministic");
    }
    assert.notDeepEqual(DEMO_TRACKS[0]?.notes, DEMO_TRACKS[1]?.notes);
  });

  it("written again unchanged are not rewritten, so MPD sees nothing new", async () => {
    const musicDir = mkdtempSync(path.join(tmpdir(), "roomguard-demo-"));
    const folder = writeDemoTracks(musicDir);
    const file = path.join(folder, DEMO_TRACKS[0]?.file ?? "");
    const before = statSync(file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeDemoTracks(musicDir);
    assert.equal(statSync(file).mtimeMs, before);
  });
});
