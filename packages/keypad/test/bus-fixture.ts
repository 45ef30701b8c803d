import { fileURLToPath } from "node:url";
import { busRig, type BusRig, type ServiceProcess } from "@roomguard/testing";

const KEYPAD_MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

export interface KeypadRig extends BusRig {
  /** Starts a keypad process with these config sections over the rig's bus. */
  keypad(config: Record<string, unknown>): ServiceProcess;
  /** Waits until the keypad's subscription to `SIM:` reached the router. */
  keypadListening(): Promise<void>;
}

/** A real router, a bus client, and keypad processes on demand; all stopped when the file ends. */
export async function keypadRig(): Promise<KeypadRig> {
  const rig = await busRig();
  return { ...rig, keypad: (config) => rig.service("keypad", KEYPAD_MAIN, config), keypadListening: () => rig.wanted("SIM: press X") };
}
