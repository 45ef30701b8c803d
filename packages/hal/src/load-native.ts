import { createRequire } from "node:module";
import { HalError } from "./errors.js";

const require = createRequire(import.meta.url);

/**
 * Loads a hardware library only when its backend is used: the simulator needs none, and an
 * optional native addon whose build failed must give a clear error, not a crash at start.
 */
export function loadNative<T>(name: "onoff" | "rpio" | "i2c-bus"): T {
  try {
    return require(name) as T;
  } catch (error) {
    throw new HalError(
      "BACKEND_MISSING",
      `cannot load ${name}: ${error instanceof Error ? error.message : String(error)}`,
      "its native addon did not build; reinstall with build tools (python3, make, g++) and npm_config_nodedir set, or use hardware.backend: sim",
      { cause: error },
    );
  }
}
