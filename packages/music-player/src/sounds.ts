import { fileURLToPath } from "node:url";
import { resolveConfigPath, type LoadedConfig } from "@roomguard/config";

/** The sounds shipped in this package's `sounds/` (made by sounds/make-sounds.sh). */
export const SHIPPED_SOUNDS = {
  siren: fileURLToPath(new URL("../../sounds/siren.mp3", import.meta.url)),
  chime: fileURLToPath(new URL("../../sounds/chime.mp3", import.meta.url)),
} as const;

/** The configured sound file as an absolute path: empty means the shipped one. */
export function soundPath(loaded: LoadedConfig, which: keyof typeof SHIPPED_SOUNDS): string {
  const configured = which === "siren" ? loaded.config.music.siren.file : loaded.config.music.chime.file;
  return configured === "" ? SHIPPED_SOUNDS[which] : resolveConfigPath(loaded, configured);
}
