import type { MusicAction } from "./keymap.js";
import type { MpdConnection } from "./mpd-connection.js";
import { mpdCommand, pairsToRecord, pairsToRecords } from "./mpd-protocol.js";

/** An action that cannot be done as asked: the user can fix it (add music, create playlists). */
export class NothingToPlayError extends Error {
  readonly code = "NOTHING_TO_PLAY";
}

/**
 * Does one keymap action on MPD. Resolves with the stored playlist's name when the action
 * loaded one. Play, next and previous on an empty queue first queue the whole library, so a
 * fresh appliance plays music at the first press.
 */
export async function perform(mpd: MpdConnection, action: MusicAction): Promise<{ playlist?: string }> {
  const status = pairsToRecord(await mpd.command("status"));
  switch (action.kind) {
    case "toggle":
      if (status.state === "play") await mpd.command("pause 1");
      else await play(mpd, status);
      return {};
    case "play":
      await play(mpd, status);
      return {};
    case "pause":
      if (status.state === "play") await mpd.command("pause 1");
      return {};
    case "stop":
      await mpd.command("stop");
      return {};
    case "next":
    case "previous":
      if (status.state === "stop") await play(mpd, status);
      else await mpd.command(action.kind);
      return {};
    case "volume":
    case "set-volume": {
      const volume = Number(status.volume ?? -1);
      if (volume < 0) throw new NothingToPlayError("MPD's output has no volume control (set mixer_type in its audio_output)");
      const wanted = action.kind === "volume" ? volume + action.change : action.volume;
      await mpd.command(mpdCommand("setvol", Math.max(0, Math.min(100, wanted))));
      return {};
    }
    case "playlist": {
      const names = pairsToRecords(await mpd.command("listplaylists"), "playlist")
        .map((entry) => entry.playlist ?? "")
        .sort((a, b) => a.localeCompare(b));
      const name = names[action.number - 1];
      if (name === undefined) {
        const have = names.length === 0 ? "MPD has no stored playlists" : `MPD has ${names.length}: ${names.join(", ")}`;
        throw new NothingToPlayError(`no stored playlist number ${action.number} (${have})`);
      }
      await mpd.commandList(["clear", mpdCommand("load", name), "play"]);
      return { playlist: name };
    }
  }
}

/** Resumes, or starts the queue, queueing the whole library first when the queue is empty. */
async function play(mpd: MpdConnection, status: Record<string, string>): Promise<void> {
  if (status.state === "pause") {
    await mpd.command("pause 0");
    return;
  }
  if (status.playlistlength === "0") {
    const songs = Number(pairsToRecord(await mpd.command("stats")).songs ?? 0);
    if (songs === 0) throw new NothingToPlayError("MPD's music directory has no songs: put music files there");
    await mpd.command(mpdCommand("add", ""));
  }
  await mpd.command("play");
}
