import { parseArgs } from "node:util";
import { Request } from "zeromq";
import type { Hints } from "@roomguard/launcher/hints";
import { connectionOptions, timeoutMs, type Command, type CommandContext } from "../command.js";
import { UnreachableError } from "../unreachable-error.js";
import { UsageError } from "../usage-error.js";

/** Sends one command line to the launcher and returns its answer; UnreachableError (with a hint) when none answers. */
export async function askLauncher(endpoint: string, line: string, ms: number, hints: Hints): Promise<string> {
  const socket = new Request({ linger: 0, receiveTimeout: ms, sendTimeout: ms });
  socket.connect(endpoint);
  try {
    await socket.send(line);
    const [answer] = await socket.receive();
    return answer?.toString("utf8") ?? "";
  } catch (error) {
    if ((error as { code?: string }).code === "EAGAIN")
      throw new UnreachableError(`no launcher answered at ${endpoint} within ${ms} ms. ${hints.startAdvice()}.`, { cause: error });
    throw error;
  } finally {
    socket.close();
  }
}

/** Asks the launcher `line` and prints the answer: exit 1 when it did not understand. */
async function ask(
  line: string,
  values: { config?: string | undefined; timeout?: string | undefined },
  context: CommandContext,
): Promise<number> {
  // Only the launcher's endpoint matters: a config broken elsewhere (even made invalid while the
  // appliance runs) must not keep the user from reaching the launcher, to see it or to stop it.
  const { config } = context.loadConfig(values.config, { needs: ["launcher.control"], needsMayDefault: true });
  const answer = await askLauncher(config.launcher.control, line, timeoutMs(values.timeout), context.hints());
  context.output.out(answer);
  return answer.startsWith("unknown ") || answer.startsWith("usage: ") || answer.startsWith("error: ") ? 1 : 0;
}

export const ctlCommand: Command = {
  summary: "give the running launcher a command (status, restart keypad, …)",
  usage: `roomguard ctl COMMAND [SERVICE] [--config FILE] [--timeout MS]

Sends one command to the launcher that \`roomguard start\` runs, over its
request/reply socket (launcher.control), and prints the answer. The same
commands work at the launcher's own prompt:

  help, list, status [wide], start <service>, stop <service>,
  restart <service>, kill <service>, killall, quit

It needs only launcher.control from the config: a config that is invalid
elsewhere is warned about, not fatal, so a running appliance can always be
reached (and stopped). Exit 69: no launcher answered.`,
  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
    const line = positionals.join(" ");
    if (line.trim() === "") {
      const { command } = context.hints();
      throw new UsageError(`ctl: expected a command, e.g. ${command("ctl status")} (${command("ctl help")} lists them)`);
    }
    return ask(line, values, context);
  },
};

export const statusCommand: Command = {
  summary: "every service's state, pid, uptime, heartbeat, restarts and memory",
  usage: `roomguard status [--wide] [--config FILE] [--timeout MS]

The same as \`roomguard ctl status\`: a table of every service's state, pid,
uptime, time since its last heartbeat, restarts, memory and problem. memory is
the process's PSS: what it really costs, the pages it shares with the other
Node processes split between them.

  --wide, -w    RSS beside PSS (RSS counts the shared node binary and
                libraries again in every process), and why a figure is "?"

Needs only launcher.control from the config, like ctl. Exit 69: no launcher answered.`,
  async run(argv, context) {
    const { values } = parseArgs({ args: argv, options: { ...connectionOptions, wide: { type: "boolean", short: "w" } } });
    return ask(values.wide ? "status wide" : "status", values, context);
  },
};
