import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { HardwareUse } from "@roomguard/hal";
import type { CheckConfig } from "@roomguard/registry";
import { storedSecretProblem } from "@roomguard/runtime";
import { zoneNameOf } from "./zones.js";

/** The alarm's part of the config check (`roomguard.service.check`): its zones and users, and its outputs in the pin plan. */
export const checkConfig: CheckConfig = ({ config }) => ({ issues: alarmConfigIssues(config), hardware: alarmHardware(config.alarm) });

/** The siren and the buzzer: outputs; one pin may do both (a buzzer that is also the siren). */
export function alarmHardware(alarm: RoomguardConfig["alarm"]): HardwareUse[] {
  const { siren, buzzer } = alarm;
  const output = (pin: number, purpose: string, key: string): HardwareUse => ({
    kind: "gpio",
    pin,
    direction: "out",
    pull: "none",
    purpose,
    key,
  });
  if (siren.pin !== null && siren.pin === buzzer.pin) return [output(siren.pin, "alarm siren and buzzer", "alarm.siren.pin")];
  return [
    ...(siren.pin === null ? [] : [output(siren.pin, "alarm siren", "alarm.siren.pin")]),
    ...(buzzer.pin === null ? [] : [output(buzzer.pin, "alarm buzzer", "alarm.buzzer.pin")]),
  ];
}

/**
 * A zone of a bridged room's sensor (`bedroom/window`): the room must be a remote of the bridge that
 * brings its events and its sensor reader's heartbeat (else the zone is in trouble for good), and
 * the zone needs a name of its own (a name has no `/`: it is an MQTT topic level and a file-safe word).
 */
function remoteZoneIssues(config: RoomguardConfig, zone: RoomguardConfig["alarm"]["zones"][number], path: string): ConfigIssue[] {
  const [room = ""] = zone.sensor.split("/");
  const remote = config.bridge.remotes.find((candidate) => candidate.name === room);
  const issues: ConfigIssue[] = [];
  if (!remote) {
    const rooms = config.bridge.remotes.map((candidate) => candidate.name);
    issues.push({
      path: `${path}.sensor`,
      message: `expected a room of bridge.remotes (${rooms.join(", ") || "none"}) before the "/", got "${zone.sensor}" (docs/bridge.md)`,
    });
  } else {
    const events = ["DOOR:", "MOTION:"].some((topic) => remote.from.includes(topic));
    if (!events || !remote.from.includes("HEARTBEAT:"))
      issues.push({
        path: `${path}.sensor`,
        message: `expected DOOR: or MOTION:, and HEARTBEAT: (what vouches for the sensors), in the \`from\` of bridge remote "${room}", got [${remote.from.join(", ")}]`,
      });
  }
  if (zone.name === undefined)
    issues.push({
      path: `${path}.name`,
      message: `a bridged sensor's zone needs a name without "/", e.g. "${zone.sensor.replace("/", "-")}"`,
    });
  return issues;
}

/**
 * What the schema cannot see: zones of sensors that are not configured, names used twice,
 * an entry delay on a zone that has none, one pin with two polarities.
 */
export function alarmConfigIssues(config: RoomguardConfig): ConfigIssue[] {
  const { alarm } = config;
  const issues: ConfigIssue[] = [];
  // lala-pi's door switch publishes `DOOR: open` itself: the sensor `door` needs no entry in `sensors`.
  const sensorIds = new Set(["door", ...config.sensors.map((sensor) => sensor.id)]);
  const zoneNames = new Map<string, number>();
  alarm.zones.forEach((zone, i) => {
    const path = `alarm.zones[${i}]`;
    if (zone.sensor.includes("/")) issues.push(...remoteZoneIssues(config, zone, path));
    else if (!sensorIds.has(zone.sensor))
      issues.push({
        path: `${path}.sensor`,
        message: `expected a sensor id from \`sensors\` (${[...sensorIds].join(", ")}), got "${zone.sensor}"`,
      });
    const name = zoneNameOf(zone);
    const first = zoneNames.get(name);
    if (first !== undefined)
      issues.push({ path: `${path}.name`, message: `zone "${name}" is also alarm.zones[${first}]: each zone needs its own name` });
    else zoneNames.set(name, i);
    if (zone.entryDelayS !== undefined && zone.type !== "entry")
      issues.push({ path: `${path}.entryDelayS`, message: `only an entry zone has an entry delay; this zone is ${zone.type}` });
    const active = zone.modes.filter((mode) => alarm.modes.includes(mode));
    if (active.length === 0 && ["entry", "follower", "instant"].includes(zone.type))
      issues.push({
        path: `${path}.modes`,
        message: `expected at least one of the offered modes (alarm.modes: ${alarm.modes.join(", ")})`,
      });
  });
  const userNames = new Map<string, number>();
  alarm.users.forEach((user, i) => {
    // A hash the verifier would refuse would fail every code check: refused here, by name.
    for (const field of ["pin", "duressPin"] as const) {
      const stored = user[field];
      const problem = stored === undefined ? undefined : storedSecretProblem(stored);
      if (problem !== undefined)
        issues.push({
          path: `alarm.users[${i}].${field}`,
          message: `${problem}; \`roomguard alarm add-user ${user.name}\` writes a new one`,
        });
    }
    const first = userNames.get(user.name.toLowerCase());
    if (first !== undefined) issues.push({ path: `alarm.users[${i}].name`, message: `user "${user.name}" is also alarm.users[${first}]` });
    else userNames.set(user.name.toLowerCase(), i);
  });
  if (alarm.siren.pin !== null && alarm.siren.pin === alarm.buzzer.pin && alarm.siren.activeLow !== alarm.buzzer.activeLow)
    issues.push({ path: "alarm.buzzer.activeLow", message: "the siren and the buzzer share a pin: they need the same activeLow" });
  if (alarm.audit.maxBytes < 2 * alarm.audit.rotateBytes)
    issues.push({
      path: "alarm.audit.maxBytes",
      message: `expected at least twice audit.rotateBytes (${2 * alarm.audit.rotateBytes}), got ${alarm.audit.maxBytes}: no rotated file would be kept`,
    });
  if (alarm.lockout.maxS < alarm.lockout.baseS)
    issues.push({
      path: "alarm.lockout.maxS",
      message: `expected at least lockout.baseS (${alarm.lockout.baseS}), got ${alarm.lockout.maxS}`,
    });
  return issues;
}
