import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { checkMessage } from "@roomguard/bus";
import { BUS_KEYS, connectionOptions, timeoutMs, type Command } from "../command.js";
import { connectToRouter } from "../connect.js";
import { UsageError } from "../usage-error.js";

export const sendCommand: Command = {
  summary: "publish messages",
  usage: `roomguard send MESSAGE... [--config FILE] [--timeout MS]
roomguard send -            (one message a line from standard input)

Publishes each message through the router and says whether anybody subscribes
to it (a message nobody wants goes nowhere). Every message is checked first:
TOPIC: rest, TOPIC matching [A-Z][A-Z0-9_]*, at most bus.maxMessageSize bytes.

  roomguard send "KEY: LEFT"
  roomguard send "CONTROL: router STATUS"`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
    const loaded = context.loadConfig(values.config, { needs: BUS_KEYS });
    const { config } = loaded;
    const texts = positionals.length === 1 && positionals[0] === "-" ? await readLines(context.stdin) : positionals;
    if (texts.length === 0)
      throw new UsageError(`send: expected at least one message, e.g. ${context.hints().command('send "KEY: LEFT"')}`);
    for (const text of texts) checkMessage(text, config.bus.maxMessageSize);

    const client = await connectToRouter(loaded, timeoutMs(values.timeout), context.output, context.hints(), true);
    for (const text of texts) {
      const wanted = client.wants(text);
      await client.publish(text);
      context.output.out(wanted ? `sent: ${text}` : `sent: ${text}   (no subscriber wants it: it went nowhere)`);
      await context.output.drained();
    }
    await client.close();
    return 0;
  },
};

async function readLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line.trim() !== "") lines.push(line);
  return lines;
}
