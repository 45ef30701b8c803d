import { formatMessage, subjectMessage, Topic } from "@roomguard/bus";
import type { Logger } from "@roomguard/runtime";
import type { SensorOutput } from "./runner.js";

/**
 * The sensor reader's messages (docs/protocol.md): `SENSOR: <id> {reading}`,
 * `SENSOR: <id> fault {…}`, `DOOR: <id> open|closed`, `MOTION: <id> on|off`.
 */
export function busOutput(publish: (text: string) => Promise<void>, log: Logger): SensorOutput {
  const send = (text: string): void => {
    publish(text).catch((error: unknown) => log.warn("cannot publish", { message: text, error }));
  };
  return {
    reading: (id, reading) => send(subjectMessage(Topic.SENSOR, id, reading)),
    event: (id, event) => send(formatMessage(event.topic, `${id} ${event.state}`)),
    fault: (id, fault) => send(formatMessage(Topic.SENSOR, `${id} fault ${JSON.stringify(fault)}`)),
  };
}
