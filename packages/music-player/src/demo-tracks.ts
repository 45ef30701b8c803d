// Demo tracks for a music directory with nothing in it: little melodies written as WAV files
// from JS, so a fresh checkout plays at the first key press without sox, lame or music of its own.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The folder inside the music directory that holds the demo tracks. */
export const DEMO_FOLDER = "roomguard-demo";
/** The artist tag of every demo track. */
export const DEMO_ARTIST = "roomguard demo";
/** Samples per second of the demo tracks: mono, 16-bit PCM. */
export const DEMO_SAMPLE_RATE = 22_050;

/** Written beside the tracks: what they are, and how to be rid of them. */
const NOTE_FILE = "README.txt";
const NOTE = [
  "Demo tracks made by roomguard's music player because its music directory had no music.",
  "Put your own music files in the music directory (any format MPD plays); delete this folder",
  "to take these out of the library. They are made again only while there is no other music.",
  "",
].join("\n");

export interface DemoTrack {
  /** File name in {@link DEMO_FOLDER}; the number keeps MPD's library order. */
  file: string;
  /** The title in the file's RIFF INFO chunk (INAM), which MPD reports as `Title`. */
  title: string;
  /** Note names (`C5`, `F#4`, `-` a rest), each `beatS` long; the track is as long as its notes. */
  notes: readonly string[];
  beatS: number;
}

/** Three short, distinct tunes: 6, 8 and 9 s. */
export const DEMO_TRACKS: readonly DemoTrack[] = [
  {
    file: "1 Morning Bells.wav",
    title: "Morning Bells",
    notes: ["C5", "E5", "G5", "C6", "G5", "E5", "C5", "-", "G4", "C5", "E5", "-"],
    beatS: 0.5,
  },
  {
    file: "2 Night Watch.wav",
    title: "Night Watch",
    notes: ["A3", "C4", "E4", "A4", "G4", "E4", "D4", "E4", "C4", "D4", "B3", "C4", "A3", "E3", "A3", "-"],
    beatS: 0.5,
  },
  {
    file: "3 Open Door Waltz.wav",
    title: "Open Door Waltz",
    notes: ["G4", "B4", "D5", "D5", "-", "D5", "E5", "D5", "B4", "C5", "-", "A4", "F#4", "A4", "D5", "C5", "B4", "A4", "G4", "-", "-"],
    beatS: 3 / 7,
  },
];

/** A track's length in seconds, as its WAV file holds it. */
export function demoTrackSeconds(track: DemoTrack): number {
  return sampleCount(track) / DEMO_SAMPLE_RATE;
}

function sampleCount(track: DemoTrack): number {
  return track.notes.length * Math.round(track.beatS * DEMO_SAMPLE_RATE);
}

/** Frequency in Hz of a note name such as `A4` (440 Hz) or `F#4`; equal temperament. */
export function noteHz(name: string): number {
  const match = /^([A-G])(#?)(\d)$/.exec(name);
  if (!match) throw new Error(`expected a note such as C5 or F#4, got ${JSON.stringify(name)}`);
  const [, letter = "", sharp, octave = ""] = match;
  const semitone = { C: -9, D: -7, E: -5, F: -4, G: -2, A: 0, B: 2 }[letter] ?? 0;
  return 440 * 2 ** ((semitone + (sharp ? 1 : 0) + 12 * (Number(octave) - 4)) / 12);
}

/** The track's samples: each note a soft bell (a sine and its octave, struck and fading). */
export function renderDemoTrack(track: DemoTrack): Int16Array {
  const perNote = Math.round(track.beatS * DEMO_SAMPLE_RATE);
  const samples = new Int16Array(sampleCount(track));
  track.notes.forEach((note, index) => {
    if (note === "-") return;
    const hz = noteHz(note);
    for (let i = 0; i < perNote; i += 1) {
      const t = i / DEMO_SAMPLE_RATE;
      const attack = Math.min(1, i / 200); // no click at the start
      const release = Math.min(1, (perNote - i) / 400); // nor at the end
      const envelope = attack * release * Math.exp(-3 * t);
      const value = Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t);
      samples[index * perNote + i] = Math.round(9000 * envelope * value);
    }
  });
  return samples;
}

/**
 * A PCM WAV file (RIFF, mono, 16-bit) of `samples`, with a LIST/INFO chunk holding the title
 * (INAM), the artist (IART) and the album (IPRD), which MPD's sndfile decoder reads as tags.
 */
export function wavFile(samples: Int16Array, sampleRate: number, tags: { title: string; artist: string; album: string }): Buffer {
  const info = Buffer.concat([
    Buffer.from("INFO", "ascii"),
    infoEntry("INAM", tags.title),
    infoEntry("IART", tags.artist),
    infoEntry("IPRD", tags.album),
  ]);
  const format = Buffer.alloc(16);
  format.writeUInt16LE(1, 0); // PCM
  format.writeUInt16LE(1, 2); // mono
  format.writeUInt32LE(sampleRate, 4);
  format.writeUInt32LE(sampleRate * 2, 8); // bytes per second
  format.writeUInt16LE(2, 12); // bytes per frame
  format.writeUInt16LE(16, 14); // bits per sample
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, index) => data.writeInt16LE(sample, index * 2));
  const body = Buffer.concat([Buffer.from("WAVE", "ascii"), chunk("fmt ", format), chunk("LIST", info), chunk("data", data)]);
  return Buffer.concat([Buffer.from("RIFF", "ascii"), uint32(body.length), body]);
}

/** One INFO sub-chunk: a NUL-terminated string, padded to an even length as RIFF requires. */
function infoEntry(id: string, text: string): Buffer {
  return chunk(id, Buffer.from(`${text}\0`, "utf8"));
}

function chunk(id: string, content: Buffer): Buffer {
  const pad = content.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from(id, "ascii"), uint32(content.length), content, pad]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value, 0);
  return bytes;
}

/**
 * Writes the demo tracks into `<musicDir>/roomguard-demo/` (with a README.txt saying what
 * they are) and returns that folder. The same bytes every time; files already there and
 * unchanged are not rewritten, so MPD's database does not see them change.
 */
export function writeDemoTracks(musicDir: string): string {
  const folder = path.join(musicDir, DEMO_FOLDER);
  mkdirSync(folder, { recursive: true });
  writeIfChanged(path.join(folder, NOTE_FILE), Buffer.from(NOTE, "utf8"));
  for (const track of DEMO_TRACKS) {
    const bytes = wavFile(renderDemoTrack(track), DEMO_SAMPLE_RATE, {
      title: track.title,
      artist: DEMO_ARTIST,
      album: "roomguard demo tracks",
    });
    writeIfChanged(path.join(folder, track.file), bytes);
  }
  return folder;
}

function writeIfChanged(file: string, bytes: Buffer): void {
  try {
    if (readFileSync(file).equals(bytes)) return;
  } catch {
    // not there yet
  }
  writeFileSync(file, bytes);
}
