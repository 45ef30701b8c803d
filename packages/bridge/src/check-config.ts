import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";
import type { CheckConfig } from "@roomguard/registry";
import { BRIDGED_TOPICS } from "./mapping.js";

/** The bridge's part of the config check (`roomguard.service.check`): it uses no pins. */
export const checkConfig: CheckConfig = ({ config }) => ({ issues: bridgeConfigIssues(config), hardware: [] });

const CARRIED = BRIDGED_TOPICS.map((topic) => `${topic}:`);

/**
 * What the schema cannot see in `bridge`: no remote, a room twice, a remote named like this Pi,
 * topics the bridge cannot carry (their messages do not start with a subject, so the origin room
 * has nowhere to go and a message could come back: docs/bridge.md), `to` without `bridge.room`.
 */
export function bridgeConfigIssues(config: RoomguardConfig): ConfigIssue[] {
  const { bridge } = config;
  const issues: ConfigIssue[] = [];
  if (bridge.remotes.length === 0)
    issues.push({ path: "bridge.remotes", message: "expected at least one remote to join, got none (the bridge is off)" });
  const names = new Map<string, number>();
  bridge.remotes.forEach((remote, i) => {
    const path = `bridge.remotes[${i}]`;
    const first = names.get(remote.name);
    if (first !== undefined)
      issues.push({
        path: `${path}.name`,
        message: `room "${remote.name}" is also bridge.remotes[${first}]: each remote is a room of its own`,
      });
    else names.set(remote.name, i);
    if (remote.name === bridge.room)
      issues.push({ path: `${path}.name`, message: `"${remote.name}" is this Pi's own room (bridge.room): a remote needs another name` });
    for (const side of ["from", "to"] as const)
      remote[side].forEach((topic, j) => {
        if (!CARRIED.includes(topic))
          issues.push({
            path: `${path}.${side}[${j}]`,
            message:
              `expected one of ${CARRIED.join(", ")}, got "${topic}": the bridge carries only topics whose messages start with a sensor id or ` +
              "service name, which it prefixes with the room they come from; others could not say where they came from, nor be kept from coming back",
          });
      });
    if (remote.to.length > 0 && bridge.room === null)
      issues.push({
        path: "bridge.room",
        message: `expected this Pi's room name (what its messages are called on ${remote.name}'s bus), got null while ${path}.to sends topics there`,
      });
  });
  // One issue for bridge.room is enough.
  return issues.filter((issue, i) => issue.path !== "bridge.room" || issues.findIndex((other) => other.path === "bridge.room") === i);
}
