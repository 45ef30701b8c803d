import { validateConfig, type RoomguardConfig } from "@roomguard/config";
import { createLogger, type Logger } from "@roomguard/runtime";

/** The config as the service would load it: defaults with these sections merged over them. */
export function configWith(document: Record<string, unknown>): RoomguardConfig {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.issues)}`);
  return result.config;
}

/** A logger whose JSON lines are kept for assertions. */
export function recordingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service: "test",
    level: "debug",
    format: "json",
    stream: { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) },
  });
  return { log, lines };
}
