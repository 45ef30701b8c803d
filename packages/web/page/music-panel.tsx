/** Music: what plays, its position, the transport buttons and the volume; the error while offline. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Send } from "./dashboard.js";
import { formatClock, formatNumber } from "./format.js";
import { NoticeLine, Panel, type Notice } from "./panel.js";
import type { MusicSection } from "./protocol.js";
import { useNow } from "./use-now.js";

export function MusicPanel(props: { music: MusicSection | null; send: Send; live: boolean; may: boolean }) {
  const { music } = props;
  const [notice, setNotice] = useState<Notice | null>(null);
  const [volume, setVolume] = useState<number | null>(null);
  const now = useNow();
  // The player reports its position when something changes; between reports it is counted here.
  const heardAt = useRef({ music, at: Date.now() });
  if (heardAt.current.music !== music) heardAt.current = { music, at: Date.now() };
  useEffect(() => setVolume(null), [music?.volume]);

  const act = async (action: string, extra: Record<string, unknown> = {}) => {
    setNotice(null);
    const outcome = await props.send("music", { action, ...extra });
    if (!outcome.ok) setNotice({ ok: false, text: outcome.message });
  };

  if (music === null)
    return (
      <Panel id="music" title="Music">
        <p>The music player has not been heard from.</p>
      </Panel>
    );
  const offline = music.state === "offline";
  const playing = music.state === "play";
  const disabled = !props.may || !props.live || offline;
  const reason = !props.may
    ? "Your role may not control the music."
    : !props.live
      ? "Not connected."
      : offline
        ? "The player is offline."
        : "";
  const elapsed =
    music.elapsed_s === undefined
      ? undefined
      : Math.min(music.duration_s ?? Infinity, music.elapsed_s + (playing ? (now - heardAt.current.at) / 1000 : 0));
  const shownVolume = volume ?? music.volume ?? 0;

  return (
    <Panel id="music" title="Music">
      {offline ? (
        <p class="notice error">Offline{music.error !== undefined ? `: ${music.error}` : ""}</p>
      ) : (
        <>
          <p class="now-playing">
            <strong>{music.title ?? (music.state === "stop" ? "Stopped" : "Untitled")}</strong>
            {music.artist !== undefined && <span class="muted"> — {music.artist}</span>}
          </p>
          <p class="muted">
            {music.state === "play" ? "Playing" : music.state === "pause" ? "Paused" : music.state === "stop" ? "Stopped" : music.state}
            {elapsed !== undefined && (
              <>
                {" · "}
                {formatClock(elapsed)}
                {music.duration_s !== undefined && ` / ${formatClock(music.duration_s)}`}
              </>
            )}
          </p>
          {elapsed !== undefined && music.duration_s !== undefined && music.duration_s > 0 && (
            <progress class="position" max={music.duration_s} value={elapsed} aria-label="Position in the track" />
          )}
          {music.alert !== undefined && <p class="notice">{music.alert}</p>}
        </>
      )}
      <div class="transport" role="group" aria-label="Playback" aria-describedby="music-why">
        <button type="button" disabled={disabled} onClick={() => void act("previous")}>
          Previous
        </button>
        <button type="button" class="primary" disabled={disabled} onClick={() => void act(playing ? "pause" : "play")}>
          {playing ? "Pause" : "Play"}
        </button>
        <button type="button" disabled={disabled} onClick={() => void act("next")}>
          Next
        </button>
      </div>
      <label for="volume" class="volume">
        Volume <output for="volume">{formatNumber(shownVolume)}</output>
      </label>
      <input
        id="volume"
        type="range"
        min={0}
        max={100}
        step={1}
        value={shownVolume}
        disabled={disabled}
        aria-describedby="music-why"
        onInput={(event) => setVolume(Number(event.currentTarget.value))}
        onChange={(event) => void act("volume", { volume: Number(event.currentTarget.value) })}
      />
      <p id="music-why" class="hint">
        {reason}
      </p>
      <NoticeLine notice={notice} />
    </Panel>
  );
}
