import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { MessageError } from "@roomguard/bus";
import { BUS_KEYS, connectionOptions, timeoutMs, type Command } from "../command.js";
import { connectToRouter } from "../connect.js";
import { fallingBehind } from "../falling-behind.js";
import { clockTime, renderFrames } from "../output.js";

export const clientCommand: Command = {
  summary: "interactive: type messages to send, see what arrives",
  usage: `roomguard client [PREFIX...] [--config FILE] [--timeout MS]

Like lala-pi's test client: every line you type is published; every message
starting with one of the prefixes (all when none is given) is printed as it
arrives. /help lists the commands, /quit (or Ctrl-D) leaves.`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
    const loaded = context.loadConfig(values.config, { needs: BUS_KEYS });
    const client = await connectToRouter(loaded, timeoutMs(values.timeout), context.output, context.hints());
    const prefixes = positionals.length > 0 ? positionals : [""];
    const subscription = client.subscribeRaw(...prefixes);
    const interactive = context.stdin.isTTY === true;
    const lines = createInterface({ input: context.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
    lines.setPrompt("> ");
    const show = (line: string): void => {
      if (interactive) process.stdout.write("\r\x1b[K");
      context.output.out(line);
      if (interactive) lines.prompt(true);
    };

    context.output.err(
      `# connected to ${client.endpoints.in} / ${client.endpoints.out}; showing ${prefixes.map((p) => p || "everything").join(", ")}. /help for help.`,
    );
    const behind = fallingBehind(subscription, context.output);
    const receiving = (async () => {
      for await (const message of subscription) {
        const text = message.parsed.ok ? message.parsed.message.text : `${renderFrames(message.frames)}   # not a bus message`;
        show(`< ${clockTime(Date.now())}  ${text}`);
        await context.output.drained();
        behind.note();
      }
    })();

    const finished = new Promise<void>((resolve) => {
      lines.on("close", resolve);
      context.signal.addEventListener("abort", () => lines.close(), { once: true });
    });
    lines.on("line", (input) => {
      const text = input.trim();
      if (text === "/quit" || text === "/exit") return lines.close();
      if (text === "/help") show("type a message (TOPIC: rest) to publish it; /quit leaves");
      else if (text !== "") {
        const wanted = client.wants(text);
        client.publish(text).then(
          () => {
            if (!wanted) show(`# nobody subscribes to that: it went nowhere`);
          },
          (error: unknown) => show(`! ${error instanceof MessageError ? error.message : String(error)}`),
        );
      }
      if (interactive) lines.prompt();
    });
    if (interactive) lines.prompt();
    await finished;
    subscription.close();
    await receiving;
    behind.total();
    await client.close();
    return 0;
  },
};
