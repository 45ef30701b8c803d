import { readFileSync } from "node:fs";
import { resolveConfigPath, type ConfigIssue, type LoadedConfig, type RoomguardConfig } from "@roomguard/config";

type MqttSection = RoomguardConfig["mqtt"];

/** The three places a broker password can come from, by their config keys. */
export const PASSWORD_SOURCES = ["password", "passwordFile", "passwordEnv"] as const;

/** The password could not be read from where the config says: `path` is its key (`mqtt.passwordFile`…). */
export class BrokerPasswordError extends Error {
  readonly code = "EBROKERPASSWORD";
  readonly path: string;

  constructor(path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "BrokerPasswordError";
    this.path = path;
  }

  /** As a config issue (the service exits 78 on it: a restart would not find the password either). */
  issue(): ConfigIssue {
    return { path: this.path, message: this.message };
  }
}

/** An issue when more than one of `password`, `passwordFile`, `passwordEnv` is set; none otherwise. */
export function passwordSourceIssues(mqtt: MqttSection): ConfigIssue[] {
  const set = PASSWORD_SOURCES.filter((key) => mqtt[key] !== null);
  if (set.length <= 1) return [];
  return [
    {
      path: `mqtt.${set[1] ?? ""}`,
      message: `expected at most one of mqtt.password, mqtt.passwordFile and mqtt.passwordEnv, got ${set.map((key) => `mqtt.${key}`).join(" and ")}`,
    },
  ];
}

/**
 * The broker password the config names: `mqtt.password` as written, the first line of
 * `mqtt.passwordFile` (relative to the config file's directory; a trailing CR dropped), or the
 * value of the environment variable `mqtt.passwordEnv` in `env`. Undefined when none is set.
 *
 * @throws BrokerPasswordError when two sources are set, the file cannot be read or its first line
 *   is empty, or the variable is unset or empty — each naming the file or variable.
 */
export function readBrokerPassword(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string | undefined {
  const { mqtt } = loaded.config;
  const clash = passwordSourceIssues(mqtt)[0];
  if (clash !== undefined) throw new BrokerPasswordError(clash.path, clash.message);
  if (mqtt.password !== null) return mqtt.password;
  if (mqtt.passwordFile !== null) {
    const file = resolveConfigPath(loaded, mqtt.passwordFile);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new BrokerPasswordError(
        "mqtt.passwordFile",
        `expected a readable file holding the broker password, got ${file} (${code})`,
        error,
      );
    }
    const firstLine = (text.split("\n", 1)[0] ?? "").replace(/\r$/, "");
    if (firstLine === "")
      throw new BrokerPasswordError("mqtt.passwordFile", `expected the broker password on the first line of ${file}, got an empty line`);
    return firstLine;
  }
  if (mqtt.passwordEnv !== null) {
    const value = env[mqtt.passwordEnv];
    if (value === undefined || value === "")
      throw new BrokerPasswordError(
        "mqtt.passwordEnv",
        `expected the environment variable ${mqtt.passwordEnv} to hold the broker password, got ${value === undefined ? "no such variable" : "an empty one"}`,
      );
    return value;
  }
  return undefined;
}
