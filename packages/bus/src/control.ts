import type { Logger } from "@roomguard/runtime";
import type { BusClient } from "./client.js";
import { MessageError } from "./message.js";
import { parseControl, subjectMessage, Topic } from "./topics.js";

export interface ControlOptions {
  bus: Pick<BusClient, "subscribe" | "publish">;
  /** This service's name: it answers `CONTROL: <service> …` and `CONTROL: all …`. */
  service: string;
  log: Logger;
  /** What `STATUS` answers, published as `STATUS: <service> {json}`. */
  status: () => Record<string, unknown>;
  /** What `STOP` does. Return false to refuse (the refusal is logged and answered). */
  stop: () => boolean;
  /** Further commands, by upper-case name. */
  commands?: Record<string, (args: unknown) => Record<string, unknown> | undefined>;
}

/**
 * Answers the commands every service understands: `STATUS` and `STOP`, plus its own.
 * Unknown commands get an answer naming the known ones, never a crash.
 */
export function serveControl(options: ControlOptions): { stop(): void } {
  const subscription = options.bus.subscribe(`${Topic.CONTROL}: ${options.service} `, `${Topic.CONTROL}: all `);
  const reply = (payload: Record<string, unknown>): void => {
    options.bus.publish(subjectMessage(Topic.STATUS, options.service, payload)).catch((error: unknown) => {
      options.log.warn("cannot answer a control command", { error });
    });
  };
  void (async () => {
    for await (const message of subscription) {
      let command;
      try {
        command = parseControl(message);
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
        options.log.once("warn", `control:${error.code}`, "ignoring malformed CONTROL messages", { reason: error.message });
        continue;
      }
      const handler = options.commands?.[command.command];
      if (command.command === "STATUS") reply(options.status());
      else if (command.command === "STOP") {
        if (!options.stop()) reply({ refused: "STOP", reason: "this service does not accept STOP from the bus" });
      } else if (handler) {
        const answer = handler(command.args);
        if (answer) reply(answer);
      } else {
        const known = ["STATUS", "STOP", ...Object.keys(options.commands ?? {})];
        options.log.once("info", `control:unknown:${command.command}`, "unknown control command", { command: command.command, known });
        reply({ error: `unknown command ${command.command}`, known });
      }
    }
  })();
  return { stop: () => subscription.close() };
}
