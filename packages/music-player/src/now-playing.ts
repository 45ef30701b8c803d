import path from "node:path";

/** What `MUSIC: <state> {…}` carries (docs/protocol.md). */
export interface NowPlaying {
  state: "play" | "pause" | "stop";
  title: string | null;
  artist: string | null;
  file: string | null;
  elapsed_s: number | null;
  duration_s: number | null;
  /** MPD's volume, 0-100; null when its output has no volume control. */
  volume: number | null;
  /** The stored playlist the music player last loaded, while the queue is still that playlist. */
  playlist: string | null;
}

/** MPD's `status` and `currentsong` answers (one record: their keys differ) → what the bus hears. */
export function nowPlaying(mpd: Readonly<Record<string, string>>, playlist: string | null): NowPlaying {
  const state = mpd.state === "play" || mpd.state === "pause" ? mpd.state : "stop";
  const file = mpd.file ?? null;
  const volume = number(mpd.volume);
  return {
    state,
    // A file without tags still has a name worth showing.
    title: mpd.Title ?? mpd.Name ?? (file ? path.basename(file, path.extname(file)) : null),
    artist: mpd.Artist ?? mpd.AlbumArtist ?? null,
    file,
    elapsed_s: tenths(mpd.elapsed),
    duration_s: tenths(mpd.duration),
    volume: volume === null || volume < 0 ? null : volume,
    playlist,
  };
}

function number(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function tenths(text: string | undefined): number | null {
  const value = number(text);
  return value === null ? null : Math.round(value * 10) / 10;
}
