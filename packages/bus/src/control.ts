import type { Logger } from "@roomguard/runtime";
import type { BusClient } from "./client.js";
import { MessageError } from "./message.js";
import { isPlainObject, isRequestId } from "./requests.js";
import { parseControl, subjectMessage, Topic } from "./topics.js";

/**
 * What {@link serveControl} takes. `STOP` can come from anyone on the bus, so it is refused unless
 * the service says otherwise: with `acceptStop` (config `bus.acceptStop`) and its `requestStop`,
 * or with `stop` (the router's `router.acceptDeath`). A refusal is answered (with `stopRefusal`)
 * and logged once.
 */
export type ControlOptions = CommonControlOptions & StopFromBus;

interface CommonControlOptions {
  bus: Pick<BusClient, "subscribe" | "publish">;
  /** This service's name: it answers `CONTROL: <service> …` and `CONTROL: all …`. */
  service: string;
  log: Logger;
  /** What `STATUS` answers, published as `STATUS: <service> {json}`. */
  status: () => Record<string, unknown>;
  /**
   * Why STOP is refused, in the answer: what to do instead. Default, with `acceptStop`: that
   * bus.acceptStop is off and `roomguard ctl stop <service>` stops it; otherwise "this service does
   * not accept STOP from the bus".
   */
  stopRefusal?: string;
  /** Further commands, by upper-case name. */
  commands?: Record<string, (args: unknown) => Record<string, unknown> | undefined>;
}

type StopFromBus =
  | {
      /** Config `bus.acceptStop`: true obeys STOP with `requestStop("CONTROL: <service> STOP")`, false refuses it. */
      acceptStop: boolean;
      /** Stops the service (runService's `requestStop`). */
      requestStop: (reason: string) => void;
      stop?: never;
    }
  | {
      acceptStop?: never;
      requestStop?: never;
      /** What `STOP` does; return false to refuse. Absent: STOP is refused. */
      stop?: () => boolean;
    };

/**
 * Answers the commands every service understands: `STATUS` and `STOP`, plus its own.
 * Unknown commands get an answer naming the known ones, never a crash.
 *
 * A command whose JSON arguments carry a request id (`CONTROL: keypad STATUS {"id":"abc"}`) is
 * answered with that id in the `STATUS:` payload (`STATUS: keypad {"id":"abc",…}`), refusals and
 * errors included, so that an asker can tell its answer from others'.
 */
export function serveControl(options: ControlOptions): { stop(): void } {
  const stop =
    options.acceptStop === undefined
      ? options.stop
      : options.acceptStop
        ? () => (options.requestStop(`CONTROL: ${options.service} STOP`), true)
        : undefined;
  const stopRefusal =
    options.stopRefusal ??
    (options.acceptStop === undefined
      ? "this service does not accept STOP from the bus"
      : `STOP from the bus is off (bus.acceptStop): \`roomguard ctl stop ${options.service}\` stops it`);
  const subscription = options.bus.subscribe(`${Topic.CONTROL}: ${options.service} `, `${Topic.CONTROL}: all `);
  const reply = (requestId: string | undefined, payload: Record<string, unknown>): void => {
    const answer = requestId === undefined ? payload : withId(requestId, payload);
    options.bus.publish(subjectMessage(Topic.STATUS, options.service, answer)).catch((error: unknown) => {
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
      const id = requestIdOf(command.args);
      const handler = options.commands && Object.hasOwn(options.commands, command.command) ? options.commands[command.command] : undefined;
      if (command.command === "STATUS") reply(id, options.status());
      else if (command.command === "STOP") {
        if (stop?.() !== true) {
          options.log.once("warn", "control:stop-refused", "refusing CONTROL: STOP from the bus (said once)", { reason: stopRefusal });
          reply(id, { refused: "STOP", reason: stopRefusal });
        }
      } else if (handler) {
        const answer = handler(command.args);
        if (answer) reply(id, answer);
      } else {
        const known = ["STATUS", "STOP", ...Object.keys(options.commands ?? {})];
        options.log.once("info", `control:unknown:${command.command}`, "unknown control command", { command: command.command, known });
        reply(id, { error: `unknown command ${command.command}`, known });
      }
    }
  })();
  return { stop: () => subscription.close() };
}

/** The request id in a command's JSON arguments (`{"id":"abc"}`), by the rule of a request's id. */
function requestIdOf(args: unknown): string | undefined {
  return isPlainObject(args) && isRequestId(args.id) ? args.id : undefined;
}

/** The asker's id first (where a person reads it), over any field of the payload of that name. */
function withId(id: string, payload: Record<string, unknown>): Record<string, unknown> {
  const { id: _ignored, ...rest } = payload;
  return { id, ...rest };
}
