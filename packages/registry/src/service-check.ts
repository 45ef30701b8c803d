import type { ConfigIssue, LoadedConfig } from "@roomguard/config";
import type { HardwareUse } from "@roomguard/hal";

/**
 * What a service's check module says of the config: what is wrong in its part beyond what the
 * schema checks (each issue with its full key path), and the pins and buses its part uses.
 */
export interface ServiceCheck {
  issues: ConfigIssue[];
  hardware: HardwareUse[];
}

/**
 * The export of a service's check module (`roomguard.service.check` in its package.json):
 * `export const checkConfig: CheckConfig = (loaded) => …`. Pure: no hardware opened, no bus,
 * nothing started; it may load the service's plug-ins (the sensor reader loads its sensors).
 */
export type CheckConfig = (loaded: LoadedConfig) => ServiceCheck | Promise<ServiceCheck>;

/**
 * An optional second export of a check module, `hardwareOf`: the `hardware` its `checkConfig`
 * returns, without the rest of the check. Every service's start lays the others' hardware
 * beside its own (`ownIssues`); a service whose check does costly work unrelated to pins (the
 * music player looks for sound files) exports it so that the others skip that work. Same
 * purity as {@link CheckConfig}.
 */
export type HardwareOf = (loaded: LoadedConfig) => HardwareUse[] | Promise<HardwareUse[]>;
