import { parseArgs } from "node:util";
import { request, RequestError } from "@roomguard/bus";
import { parseCommandLine, renderError, renderResult, SERVICE_COMMANDS, type LauncherRequest } from "@roomguard/launcher/control";
import type { Hints } from "@roomguard/launcher/hints";
import { ExitCode } from "@roomguard/runtime";
import { connectionOptions, timeoutMs, type Command, type CommandContext } from "../command.js";
import { UnreachableError } from "../unreachable-error.js";
import { UsageError } from "../usage-error.js";

/**
 * Sends one request to the launcher's control socket and resolves with its result; a
 * RequestError for the launcher's refusals, UnreachableError (with a hint) when no launcher is
 * there or none answers in time.
 */
export async function askLauncher(endpoint: string, asked: LauncherRequest, ms: number, hints: Hints): Promise<Record<string, unknown>> {
  try {
    return await request(endpoint, asked.command, asked.args, { timeoutMs: ms, service: "launcher" });
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    if (error.code === "no-service")
      throw new UnreachableError(`no launcher listens at ${endpoint} (${error.reason}). ${hints.startAdvice()}.`, { cause: error });
    if (error.code === "timeout")
      throw new UnreachableError(`no launcher answered at ${endpoint} within ${ms} ms (${error.reason}). ${hints.startAdvice()}.`, {
        cause: error,
      });
    throw error;
  }
}

/** Asks the launcher a command line and prints the answer. Exit 1 when it refused or failed; 64 for a wrong command line. */
async function ask(
  line: string,
  values: { config?: string | undefined; timeout?: string | undefined },
  context: CommandContext,
): Promise<number> {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) throw new UsageError(parsed.usage);
  // Only the launcher's keys matter: a config broken elsewhere (even made invalid while the
  // appliance runs) must not keep the user from reaching the launcher, to see it or to stop it.
  const { config } = context.loadConfig(values.config, {
    needs: ["launcher.control", "launcher.stopTimeoutS", "launcher.startGraceS"],
    needsMayDefault: true,
  });
  // start/stop/restart answer once done: a clean stop may take stopTimeoutS, a start startGraceS.
  const { stopTimeoutS, startGraceS } = config.launcher;
  const waits = (SERVICE_COMMANDS as readonly string[]).includes(parsed.request.command);
  const ms = values.timeout === undefined && waits ? (stopTimeoutS + startGraceS) * 1000 + 3000 : timeoutMs(values.timeout);
  try {
    const result = await askLauncher(config.launcher.control, parsed.request, ms, context.hints());
    context.output.out(renderResult(parsed.request, result));
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    switch (error.code) {
      case "bad-request":
        // The launcher read the arguments otherwise than this command line's parser: a wrong command line all the same.
        throw new UsageError(renderError(parsed.request, { code: error.code, message: error.reason }));
      case "refused":
      case "unknown-command":
      case "failed":
        context.output.err(renderError(parsed.request, { code: error.code, message: error.reason }));
        return ExitCode.failure;
      case "no-service":
      case "timeout":
      case "bad-reply":
        throw error;
    }
  }
}

/** --timeout has no fixed default here: how long to wait depends on the command. */
const ctlOptions = { ...connectionOptions, timeout: { type: "string" } } as const;

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
reached (and stopped).

start and restart answer once the service is up (its first heartbeat: it
serves its sockets), or say why it did not come up. Their default --timeout
(and stop's) is launcher.stopTimeoutS + launcher.startGraceS + 3 s; the other
commands' is 3000 ms.

Exit 0: done. 1: the launcher refused (an unknown service or command), the
service did not come up, or the command failed. 64: a wrong command line (restart without a service). 69: no launcher
listens, or none answered in time.`,
  async run(argv, context) {
    const { values, positionals } = parseArgs({ args: argv, options: ctlOptions, allowPositionals: true });
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
    const { values } = parseArgs({ args: argv, options: { ...ctlOptions, wide: { type: "boolean", short: "w" } } });
    return ask(values.wide ? "status wide" : "status", values, context);
  },
};
