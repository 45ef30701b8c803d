import type { MusicAction } from "./keymap.js";
import type { CommandAnswer } from "./service.js";

/** The control commands that do what a key does, by name: `CONTROL: music-player NEXT`. */
const KEY_COMMANDS = {
  PLAY: { kind: "play" },
  PAUSE: { kind: "pause" },
  TOGGLE: { kind: "toggle" },
  NEXT: { kind: "next" },
  PREVIOUS: { kind: "previous" },
} as const satisfies Record<string, MusicAction>;

/** The longest piece of a wrong argument quoted back: the asker's text is anyone's. */
const MAX_QUOTED = 40;

/** The volume `VOLUME {"volume":N}` asks for, or what is wrong with its arguments. */
export function volumeOf(args: unknown): { volume: number } | { error: string } {
  const expected = 'VOLUME: expected {"volume": an integer from 0 to 100}';
  if (typeof args !== "object" || args === null || Array.isArray(args)) return { error: `${expected}, got no JSON object` };
  if (!Object.hasOwn(args, "volume")) return { error: `${expected}, got no "volume"` };
  const volume = (args as { volume: unknown }).volume;
  if (typeof volume === "number" && Number.isInteger(volume) && volume >= 0 && volume <= 100) return { volume };
  const quoted = JSON.stringify(volume) ?? String(volume);
  return { error: `${expected}, got ${quoted.length > MAX_QUOTED ? `${quoted.slice(0, MAX_QUOTED)}…` : quoted}` };
}

/**
 * The music player's own `CONTROL:` commands for serveControl: `PLAY`, `PAUSE`, `TOGGLE`,
 * `NEXT`, `PREVIOUS` (what the keys mapped to those actions do) and `VOLUME {"volume":0-100}`.
 * Each is answered at once with what `player.command` made of it, or an error for a wrong argument.
 */
export function musicCommands(player: {
  command(name: string, action: MusicAction): CommandAnswer;
}): Record<string, (args: unknown) => Record<string, unknown>> {
  const commands: Record<string, (args: unknown) => Record<string, unknown>> = {};
  for (const [name, action] of Object.entries(KEY_COMMANDS)) commands[name] = () => player.command(name, action);
  commands.VOLUME = (args) => {
    const wanted = volumeOf(args);
    if ("error" in wanted) return { error: wanted.error };
    return { ...player.command("VOLUME", { kind: "set-volume", volume: wanted.volume }), volume: wanted.volume };
  };
  return commands;
}
