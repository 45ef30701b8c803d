import type { Level } from "./types.js";

/** The other level. */
export function invert(level: Level): Level {
  return level === 1 ? 0 : 1;
}
