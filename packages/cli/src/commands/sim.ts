import { parseArgs } from "node:util";
import { simGpioMessage, simPressMessage } from "@roomguard/bus";
import { ExitCode } from "@roomguard/runtime";
import { connectionOptions, timeoutMs, type Command } from "../command.js";
import { connectToRouter } from "../connect.js";
import { UsageError } from "../usage-error.js";

export const simCommand: Command = {
  summary: "press keys and set pins on simulated hardware",
  usage: `roomguard sim press KEY [MS] [--config FILE]
roomguard sim gpio BCM 0|1 [--config FILE]

Drives the simulated board of every service running with hardware.backend sim
(or auto, off a Raspberry Pi). A press holds the key for MS milliseconds
(default 100) and runs through the keypad's debounce like a real one; a press
held past keypad.holdMs also sends KEY: <NAME> HOLD.

  roomguard sim press RIGHT
  roomguard sim press SELECT 1500
  roomguard sim gpio 25 1          (BCM 25 driven high from outside)`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
    const text = simText(positionals);
    const { config } = context.loadConfig(values.config);
    const client = await connectToRouter(config, timeoutMs(values.timeout), context.output, true);
    try {
      if (!client.wants(text)) {
        context.output.err(
          `roomguard sim: no service on simulated hardware is listening, so "${text}" would go nowhere. ` +
            "Start the appliance with hardware.backend: sim (auto does that off a Raspberry Pi).",
        );
        return ExitCode.unavailable;
      }
      await client.publish(text);
      context.output.out(`sent: ${text}`);
      return ExitCode.ok;
    } finally {
      await client.close();
    }
  },
};

/** The SIM: message for the command line, or a UsageError saying what was expected. */
function simText(positionals: string[]): string {
  const [verb, first, second, ...extra] = positionals;
  try {
    if (verb === "press" && first !== undefined && extra.length === 0) {
      return simPressMessage(first, second === undefined ? undefined : Number(second));
    }
    if (verb === "gpio" && first !== undefined && (second === "0" || second === "1") && extra.length === 0) {
      return simGpioMessage(Number(first), second === "1" ? 1 : 0);
    }
  } catch (error) {
    throw new UsageError(`sim: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new UsageError("sim: expected `roomguard sim press KEY [MS]` or `roomguard sim gpio BCM 0|1`");
}
