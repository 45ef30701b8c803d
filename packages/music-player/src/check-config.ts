import { existsSync } from "node:fs";
import { KEY_NAME_PATTERN } from "@roomguard/bus";
import type { ConfigIssue, LoadedConfig } from "@roomguard/config";
import type { CheckConfig } from "@roomguard/registry";
import { parseKeymap } from "./keymap.js";
import { soundPath } from "./sounds.js";

/** The music player's part of the config check (`roomguard.service.check`); it uses no pins. */
export const checkConfig: CheckConfig = (loaded) => ({ issues: musicConfigIssues(loaded), hardware: [] });

/** Its hardware, for the other services' start checks (the registry's `hardwareOf`): none, so they skip the sound files. */
export const hardwareOf = (): [] => [];

/** What the schema cannot see: key names the bus can carry, actions we know, sound files that exist. */
export function musicConfigIssues(loaded: LoadedConfig): ConfigIssue[] {
  const music = loaded.config.music;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(music.keymap)) {
    if (!KEY_NAME_PATTERN.test(key)) {
      issues.push({
        path: `music.keymap.${key}`,
        message: `expected a key name of letters, digits or * # + - . / _ (no spaces), got "${key}"`,
      });
    }
  }
  for (const problem of parseKeymap(music.keymap).problems) issues.push({ path: `music.keymap.${problem.key}`, message: problem.message });
  for (const which of ["siren", "chime"] as const) {
    const file = soundPath(loaded, which);
    if (!existsSync(file))
      issues.push({ path: `music.${which}.file`, message: `expected a sound file, got ${file}, which does not exist` });
  }
  return issues;
}
