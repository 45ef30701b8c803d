/** What a key (or a `CONTROL: music-player` command) does to the music. */
export type MusicAction =
  | { kind: "previous" | "next" | "toggle" | "play" | "pause" | "stop" }
  | { kind: "volume"; change: number }
  /** `CONTROL: music-player VOLUME {"volume":N}` only: no key sets the volume outright. */
  | { kind: "set-volume"; volume: number }
  | { kind: "playlist"; number: number };

export const ACTION_FORMS = "previous, next, toggle, play, pause, stop, volume +N, volume -N, playlist N";

const SIMPLE = new Set(["previous", "next", "toggle", "play", "pause", "stop"]);

/** `next`, `volume +5`, `playlist 3` → an action; throws with the accepted forms otherwise. */
export function parseAction(text: string): MusicAction {
  const words = text.trim().split(/\s+/);
  const [verb, argument, extra] = words;
  if (verb && SIMPLE.has(verb) && argument === undefined) return { kind: verb as "previous" };
  if (verb === "volume" && argument && /^[+-]\d{1,3}$/.test(argument) && extra === undefined) {
    return { kind: "volume", change: Number(argument) };
  }
  if (verb === "playlist" && argument && /^[1-9]\d{0,2}$/.test(argument) && extra === undefined) {
    return { kind: "playlist", number: Number(argument) };
  }
  throw new Error(`expected one of: ${ACTION_FORMS}; got ${JSON.stringify(text)}`);
}

/** The config's keymap as actions, or the entries that are wrong (key name and why). */
export function parseKeymap(keymap: Readonly<Record<string, string>>): {
  actions: Map<string, MusicAction>;
  problems: Array<{ key: string; message: string }>;
} {
  const actions = new Map<string, MusicAction>();
  const problems: Array<{ key: string; message: string }> = [];
  for (const [key, text] of Object.entries(keymap)) {
    try {
      actions.set(key, parseAction(text));
    } catch (error) {
      problems.push({ key, message: (error as Error).message });
    }
  }
  return { actions, problems };
}
