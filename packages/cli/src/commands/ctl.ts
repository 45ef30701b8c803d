import { parseArgs } from "node:util";
import { Request } from "zeromq";
import { connectionOptions, timeoutMs, type Command } from "../command.js";
import { UsageError } from "../usage-error.js";

/** Thrown when no launcher answers on launcher.control. */
export class LauncherUnreachableError extends Error {
  readonly code = "ELAUNCHER";
  constructor(endpoint: string, ms: number) {
    super(`no launcher answered at ${endpoint} within ${ms} ms. Is roomguard running? Start it with \`roomguard start\` (or npm start).`);
    this.name = "LauncherUnreachableError";
  }
}

/** Sends one command line to the launcher and returns its answer. */
export async function askLauncher(endpoint: string, line: string, ms: number): Promise<string> {
  const socket = new Request({ linger: 0, receiveTimeout: ms, sendTimeout: ms });
  socket.connect(endpoint);
  try {
    await socket.send(line);
    const [answer] = await socket.receive();
    return answer?.toString("utf8") ?? "";
  } catch (error) {
    if ((error as { code?: string }).code === "EAGAIN") throw new LauncherUnreachableError(endpoint, ms);
    throw error;
  } finally {
    socket.close();
  }
}

async function ctl(argv: string[], context: Parameters<Command["run"]>[1], fixed?: string): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
  const line = fixed ?? positionals.join(" ");
  if (line.trim() === "") throw new UsageError("ctl: expected a command, e.g. roomguard ctl status (roomguard ctl help lists them)");
  const { config } = context.loadConfig(values.config);
  const answer = await askLauncher(config.launcher.control, line, timeoutMs(values.timeout));
  context.output.out(answer);
  return answer.startsWith("unknown ") || answer.startsWith("usage: ") || answer.startsWith("error: ") ? 1 : 0;
}

export const ctlCommand: Command = {
  summary: "give the running launcher a command (status, restart keypad, …)",
  usage: `roomguard ctl COMMAND [SERVICE] [--config FILE] [--timeout MS]

Sends one command to the launcher that \`roomguard start\` runs, over its
request/reply socket (launcher.control), and prints the answer. The same
commands work at the launcher's own prompt:

  help, list, status, start <service>, stop <service>, restart <service>,
  kill <service>, killall, quit

Exit 69: no launcher answered.`,
  run: (argv, context) => ctl(argv, context),
};

export const statusCommand: Command = {
  summary: "every service's state, pid, uptime, heartbeat, restarts and memory",
  usage: `roomguard status [--config FILE] [--timeout MS]

The same as \`roomguard ctl status\`. Exit 69: no launcher answered.`,
  run: (argv, context) => ctl(argv, context, "status"),
};
