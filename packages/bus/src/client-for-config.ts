import { ConfigError, type LoadedConfig } from "@roomguard/config";
import { BusClient, type BusClientOptions } from "./client.js";
import { KeyFileError } from "./curve-keys.js";
import { curveKeyIssue, hostClientKeys, keysDirOf, needsCurve, type CurveClientKeys } from "./curve.js";

/**
 * A bus client as the config says: bus.in, bus.out, bus.maxMessageSize and, for an endpoint
 * that needs CURVE, this host's keys from bus.keys. A key that cannot be used is a ConfigError
 * naming the file and the fix: the program exits 78, and is not restarted in a loop.
 */
export function busClientFor(
  loaded: LoadedConfig,
  options: Omit<BusClientOptions, "in" | "out" | "maxMessageSize" | "curve"> = {},
): BusClient {
  const { bus } = loaded.config;
  const curve = needsCurve(bus.in) || needsCurve(bus.out) ? busKeysFor(loaded) : undefined;
  return new BusClient({ in: bus.in, out: bus.out, maxMessageSize: bus.maxMessageSize, ...(curve ? { curve } : {}), ...options });
}

/** This host's client keys from bus.keys, or a ConfigError that says what is wrong with them. */
export function busKeysFor(loaded: LoadedConfig): CurveClientKeys {
  try {
    return hostClientKeys(keysDirOf(loaded));
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error;
    const endpoint = needsCurve(loaded.config.bus.in) ? loaded.config.bus.in : loaded.config.bus.out;
    throw new ConfigError([curveKeyIssue(endpoint, error)], loaded.file);
  }
}
