import type { Logger } from "@roomguard/runtime";
import type { MpdConnection } from "./mpd-connection.js";
import { mpdCommand, MpdError, pairsToRecord } from "./mpd-protocol.js";

/** The siren loops until the alarm clears; the chime plays once. */
export type InterruptionKind = "siren" | "chime";

export interface Sound {
  /** Absolute path: MPD plays it as a `file://` URI, which it allows over its local socket only. */
  file: string;
  /** MPD volume (0-100) while it plays. */
  volume: number;
}

/** What was playing, to put back afterwards. */
interface Snapshot {
  state: string;
  songId: string | undefined;
  elapsed: string;
  volume: number;
  repeat: string;
  single: string;
  consume: string;
}

/**
 * Interrupts the music for a sound and puts everything back afterwards: the song, the
 * position in it, play/pause/stop, the volume and the repeat/single/consume options. The
 * sound is added to MPD's queue for as long as it plays (phone clients see it there) and
 * removed again.
 */
export class Interruption {
  private snapshot: Snapshot | undefined;
  private soundId: string | undefined;
  private kind: InterruptionKind | undefined;

  constructor(
    private readonly sounds: Readonly<Record<InterruptionKind, Sound>>,
    private readonly log: Logger,
  ) {}

  /** What is interrupting the music now, if anything. */
  get active(): InterruptionKind | undefined {
    return this.kind;
  }

  /**
   * Plays a sound: the siren in a loop, the chime once. The siren replaces a chime; a chime
   * never interrupts the siren.
   */
  async start(mpd: MpdConnection, kind: InterruptionKind): Promise<void> {
    if (this.kind === "siren" || (this.kind === kind && this.soundId !== undefined)) return;
    this.kind = kind;
    const status = pairsToRecord(await mpd.command("status"));
    this.snapshot ??= {
      state: status.state ?? "stop",
      songId: status.songid,
      elapsed: status.elapsed ?? "0",
      volume: Number(status.volume ?? -1),
      repeat: status.repeat ?? "0",
      single: status.single ?? "0",
      consume: status.consume ?? "0",
    };
    const previous = this.soundId;
    const sound = this.sounds[kind];
    try {
      const added = pairsToRecord(await mpd.command(mpdCommand("addid", `file://${sound.file}`)));
      this.soundId = added.Id;
    } catch (error) {
      if (!(error instanceof MpdError) || error.code !== "ACK") throw error;
      this.soundId = undefined;
      // Without the siren, silence is still better than music over an alarm; a chime just does not sound.
      if (kind === "siren") await mpd.command("pause 1");
      else this.kind = this.snapshot = undefined;
      throw new MpdError(
        "ACK",
        `MPD cannot play the ${kind} ${sound.file}: ${error.ack?.message ?? error.message}. ` +
          "MPD plays files outside its music directory only for clients on its local socket: set music.mpd.socket (or use spawn: true)",
        error.ack,
      );
    }
    await mpd.commandList([
      "consume 0",
      kind === "siren" ? "repeat 1" : "repeat 0",
      "single 1",
      ...(this.snapshot.volume >= 0 ? [mpdCommand("setvol", sound.volume)] : []),
      mpdCommand("playid", this.soundId ?? ""),
    ]);
    if (previous !== undefined) await mpd.command(mpdCommand("deleteid", previous)).catch(() => undefined);
    this.log.info(`playing the ${kind}`, { file: sound.file, volume: sound.volume });
  }

  /** After a new connection (MPD restarted): the siren goes on, a chime is over. */
  async afterReconnect(mpd: MpdConnection): Promise<void> {
    if (this.kind === "chime") await this.restore(mpd);
    if (this.kind !== "siren") return;
    this.kind = undefined;
    await this.start(mpd, "siren");
  }

  /** After a `player` change: a chime that has finished gives the music back. */
  async onPlayerChange(mpd: MpdConnection): Promise<void> {
    if (this.kind !== "chime") return;
    const status = pairsToRecord(await mpd.command("status"));
    if (status.state !== "play" || status.songid !== this.soundId) await this.restore(mpd);
  }

  /** Ends the interruption (the alarm cleared): the music continues where it was. */
  async restore(mpd: MpdConnection): Promise<void> {
    const snapshot = this.snapshot;
    const soundId = this.soundId;
    const kind = this.kind;
    this.snapshot = this.soundId = this.kind = undefined;
    if (!snapshot) return;
    const volume = snapshot.volume >= 0 ? [mpdCommand("setvol", snapshot.volume)] : [];
    const back = snapshot.songId === undefined ? null : mpdCommand("seekid", snapshot.songId, snapshot.elapsed);
    // Paused first, then moved: seeking while paused stays paused, so no note of music leaks out.
    const resume =
      snapshot.state === "play" && back
        ? [...volume, back]
        : snapshot.state === "pause" && back
          ? ["pause 1", back, ...volume]
          : ["stop", ...volume];
    const steps = [
      ...resume,
      ...(soundId === undefined ? [] : [mpdCommand("deleteid", soundId)]),
      mpdCommand("repeat", snapshot.repeat),
      mpdCommand("single", snapshot.single),
      mpdCommand("consume", snapshot.consume),
    ];
    try {
      // One list: MPD runs it at once, so other clients never see half of it.
      await mpd.commandList(steps);
    } catch (error) {
      if (!(error instanceof MpdError) || error.code !== "ACK") throw error;
      // The queue changed meanwhile (the song or the sound is gone): do what still can be done.
      this.log.warn("cannot put everything back as it was", { error: error.message });
      for (const step of error.ack?.command === "seekid" ? ["stop", ...volume, ...steps.slice(resume.length)] : steps) {
        await mpd.command(step).catch((failed: unknown) => {
          if (!(failed instanceof MpdError) || failed.code !== "ACK") throw failed;
        });
      }
    }
    this.log.info(`the ${kind ?? "interruption"} is over: the music is back as it was`, { state: snapshot.state });
  }
}
