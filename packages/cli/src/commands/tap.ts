import { parseArgs } from "node:util";
import type { RawMessage } from "@roomguard/bus";
import { BUS_KEYS, connectionOptions, timeoutMs, type Command } from "../command.js";
import { connectToRouter } from "../connect.js";
import { fallingBehind } from "../falling-behind.js";
import { clockTime, renderFrames } from "../output.js";

export const tapCommand: Command = {
  summary: "print messages as they pass the router",
  usage: `roomguard tap [PREFIX...] [--json] [--config FILE] [--timeout MS]

Prints every message starting with one of the prefixes (all messages when none
is given), with the time it arrived. Subscribe with the colon: KEY: (a bare KEY
would also match KEYPAD:). Messages that are not bus messages are shown escaped
and marked. --json prints one JSON object a line. Ctrl-C stops.
When the output cannot keep up (a slow pipe), the oldest waiting messages are
dropped: a note on stderr says how many, and a total at the end.

  roomguard tap
  roomguard tap KEY: DOOR:`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...connectionOptions, json: { type: "boolean" } },
      allowPositionals: true,
    });
    const loaded = context.loadConfig(values.config, { needs: BUS_KEYS });
    const client = await connectToRouter(loaded, timeoutMs(values.timeout), context.output, context.hints());
    const prefixes = positionals.length > 0 ? positionals : [""];
    const subscription = client.subscribeRaw(...prefixes);
    context.signal.addEventListener("abort", () => subscription.close(), { once: true });
    context.output.err(
      `# tapping ${prefixes.map((prefix) => prefix || "everything").join(", ")} at ${client.endpoints.out} (Ctrl-C stops)`,
    );
    const behind = fallingBehind(subscription, context.output);
    for await (const message of subscription) {
      context.output.out(values.json ? jsonLine(message) : textLine(message));
      // While the reader is behind, messages wait in the subscription's queue, which drops the oldest: say so.
      await context.output.drained();
      behind.note();
    }
    behind.total();
    await client.close();
    return 0;
  },
};

function textLine(message: RawMessage): string {
  const time = clockTime(Date.now());
  if (message.parsed.ok) return `${time}  ${message.parsed.message.text}`;
  return `${time}  ${renderFrames(message.frames)}   # not a bus message: ${message.parsed.error.message}`;
}

function jsonLine(message: RawMessage): string {
  const time = new Date().toISOString();
  if (message.parsed.ok) return JSON.stringify({ time, message: message.parsed.message.text });
  return JSON.stringify({ time, frames: message.frames.map((frame) => frame.toString("hex")), error: message.parsed.error.message });
}
