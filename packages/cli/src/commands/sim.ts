import { parseArgs } from "node:util";
import {
  MessageError,
  parseSim,
  simGpioMessage,
  simPressMessage,
  simReadMessage,
  type BusClient,
  type BusMessage,
  type SimMessage,
} from "@roomguard/bus";
import { keypadKeyNames, type LenientConfig, type RoomguardConfig } from "@roomguard/config";
import { checkWholeConfig } from "@roomguard/registry";
import { ExitCode } from "@roomguard/runtime";
import { BUS_KEYS, connectionOptions, timeoutMs, touches, type Command } from "../command.js";
import { connectToRouter } from "../connect.js";
import { UsageError } from "../usage-error.js";

export const simCommand: Command = {
  summary: "press keys, set pins and read outputs on simulated hardware",
  usage: `roomguard sim press KEY [MS] [--config FILE]
roomguard sim gpio BCM 0|1 [--config FILE]
roomguard sim read BCM [--config FILE]

Drives the simulated board of every service running with hardware.backend sim
(or auto, off a Raspberry Pi). A press holds the key for MS milliseconds
(default 100) and runs through the keypad's debounce like a real one; a press
held past keypad.holdMs also sends KEY: <NAME> HOLD.

A key the configured keypad does not have is refused, with the keys it has
(keypad.buttons, or keypad.matrix.keys with keypad.mode: matrix); a pin nothing
in the config reads is sent anyway, with a warning naming the pins in use.
When no service on simulated hardware listens, nothing is sent (exit 69).

A read asks which service drives an output pin and at what level, and prints
"BCM 18: 1 (alarm: siren)"; exit 1 when no service answers within 2 s.

  roomguard sim press RIGHT
  roomguard sim press SELECT 1500
  roomguard sim gpio 25 1          (BCM 25 driven high from outside)
  roomguard sim read 18            (the alarm's siren: on?)`,

  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
    const sim = simOf(positionals, context.hints().command("sim", false));
    const loaded = context.loadConfig(values.config, { needs: BUS_KEYS });
    const { config } = loaded;
    const checked = await checkAgainstConfig(sim, loaded);
    if (checked) context.output.err(`roomguard sim: ${checked}`);

    const client = await connectToRouter(loaded, timeoutMs(values.timeout), context.output, context.hints(), true);
    try {
      if (sim.verb === "read") {
        const answer = await readOutput(client, sim.pin, sim.text);
        if (answer) {
          context.output.out(answer);
          return ExitCode.ok;
        }
        context.output.err(
          `roomguard sim: nobody answered "${sim.text}" within ${READ_TIMEOUT_MS / 1000} s: no service on simulated hardware drives BCM ${sim.pin}. ` +
            whyNobody(sim, config, context.hints().command("status")),
        );
        return ExitCode.failure;
      }
      if (!client.wants(sim.text)) {
        context.output.err(
          `roomguard sim: no service on simulated hardware is listening, so "${sim.text}" would go nowhere: nothing was sent. ` +
            whyNobody(sim, config, context.hints().command("status")),
        );
        return ExitCode.unavailable;
      }
      await client.publish(sim.text);
      context.output.out(`sent: ${sim.text}`);
      return ExitCode.ok;
    } finally {
      await client.close();
    }
  },
};

type Sim = { text: string } & ({ verb: "press"; key: string } | { verb: "gpio" | "read"; pin: number });

/** How long `sim read` waits for the service that drives the pin. */
const READ_TIMEOUT_MS = 2000;
/** `SIM: read` is sent again this often while no answer came (one may go out before the answerer knows we listen). */
const READ_RETRY_MS = 500;

/** A `SIM: level` answer; undefined for anything else on that prefix (anybody may publish there). */
function levelOf(message: BusMessage): Extract<SimMessage, { command: "level" }> | undefined {
  try {
    const parsed = parseSim(message);
    return parsed.command === "level" ? parsed : undefined;
  } catch (error) {
    if (error instanceof MessageError) return undefined;
    throw error;
  }
}

/**
 * Publishes `SIM: read <bcm>` and waits for the `SIM: level <bcm> …` answer: "BCM 18: 1 (alarm:
 * siren)", or undefined after {@link READ_TIMEOUT_MS}.
 */
async function readOutput(client: BusClient, pin: number, text: string): Promise<string | undefined> {
  const answers = client.subscribe(`SIM: level ${pin} `);
  const deadline = Date.now() + READ_TIMEOUT_MS;
  try {
    // The answer is sent only once our subscription has reached the router (a publisher sends what somebody wants).
    await client.whenWanted(`SIM: level ${pin} `, READ_TIMEOUT_MS);
    while (Date.now() < deadline) {
      if (client.wants(text)) await client.publish(text);
      const message = await answers.nextWithin(Math.min(READ_RETRY_MS, deadline - Date.now()));
      const level = message ? levelOf(message) : undefined;
      if (level?.pin === pin) return `BCM ${pin}: ${level.level} (${level.service}: ${level.purpose})`;
    }
    return undefined;
  } finally {
    answers.close();
  }
}

/** The SIM: message for the command line, or a UsageError saying what was expected. */
function simOf(positionals: string[], simCommand: string): Sim {
  const [verb, first, second, ...extra] = positionals;
  try {
    if (verb === "press" && first !== undefined && extra.length === 0) {
      return { verb, key: first, text: simPressMessage(first, second === undefined ? undefined : Number(second)) };
    }
    if (verb === "gpio" && first !== undefined && (second === "0" || second === "1") && extra.length === 0) {
      const pin = Number(first);
      return { verb, pin, text: simGpioMessage(pin, second === "1" ? 1 : 0) };
    }
    if (verb === "read" && first !== undefined && second === undefined) {
      const pin = Number(first);
      return { verb, pin, text: simReadMessage(pin) };
    }
  } catch (error) {
    throw new UsageError(`sim: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new UsageError(`sim: expected \`${simCommand} press KEY [MS]\`, \`${simCommand} gpio BCM 0|1\` or \`${simCommand} read BCM\``);
}

/**
 * Refuses a key the keypad does not have (UsageError); returns a warning for a pin nothing
 * reads, or for a check the config does not allow (its keypad or sensors are invalid).
 */
async function checkAgainstConfig(sim: Sim, loaded: LenientConfig): Promise<string | undefined> {
  const invalid = (section: string): boolean => loaded.error?.issues.some((issue) => touches(issue.path, section)) ?? false;
  const { config } = loaded;
  if (sim.verb === "press") {
    if (invalid("keypad")) return `cannot check "${sim.key}" against the keypad: its config is invalid (above)`;
    const keys = keypadKeyNames(config.keypad);
    if (keys.includes(sim.key)) return undefined;
    const sameLetters = keys.find((key) => key.toLowerCase() === sim.key.toLowerCase());
    throw new UsageError(
      `the keypad has no key "${sim.key}"${sameLetters ? ` (did you mean "${sameLetters}"?)` : ""}; ` +
        `its keys (keypad.mode: ${config.keypad.mode}${loaded.file ? `, in ${loaded.file}` : ""}): ${keys.join(" ")}`,
    );
  }
  if (loaded.error) return `cannot check BCM ${sim.pin} against the config: it is invalid (above)`;
  // The pins the services read, from the one hardware plan of the whole config (`roomguard check`).
  const { plan } = await checkWholeConfig(loaded);
  if (sim.verb === "read") {
    const outputs = plan.pins.filter((pin) => pin.use === "out" || pin.use === "pwm");
    if (outputs.some((pin) => pin.bcm === sim.pin)) return undefined;
    const driven = outputs.map((pin) => `BCM ${pin.bcm} (${pin.purpose})`).join("; ");
    return `warning: nothing in the config drives BCM ${sim.pin}; pins driven: ${driven || "none"}`;
  }
  const inputs = plan.pins.filter((pin) => pin.use === "in");
  if (inputs.some((pin) => pin.bcm === sim.pin)) return undefined;
  const inUse = inputs.map((pin) => `BCM ${pin.bcm} (${pin.purpose})`).join("; ");
  return `warning: nothing in the config reads BCM ${sim.pin}, so no service will notice it; pins read: ${inUse || "none"}`;
}

/** The likely reason nobody simulates, from the config. */
function whyNobody(sim: Sim, config: RoomguardConfig, status: string): string {
  const { backend } = config.hardware;
  if (backend === "onoff" || backend === "rpio")
    return `hardware.backend is ${backend}: the services read real pins. Simulating needs hardware.backend: sim (auto does that off a Raspberry Pi).`;
  const who = sim.verb === "press" ? "the keypad" : sim.verb === "read" ? "the service that drives it" : "the keypad and the sensor reader";
  const auto = backend === "auto" ? " With hardware.backend: auto, a Raspberry Pi has real pins, not simulated ones." : "";
  return `Is ${who} running? \`${status}\` shows it.${auto}`;
}
