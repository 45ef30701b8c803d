import { answerRequest, RequestRefused, type RequestHandlers } from "@roomguard/bus";
import { parseCommandLine } from "./command-line.js";
import {
  LAUNCHER_COMMANDS,
  SERVICE_COMMANDS,
  type HelpResult,
  type KillAllResult,
  type LauncherResults,
  type ListResult,
  type QuitResult,
  type ServiceCommand,
  type ServiceResult,
  type StatusResult,
} from "./control-protocol.js";
import type { ProcessMemory } from "@roomguard/runtime";
import { renderError, renderResult } from "./render.js";
import type { Supervisor } from "./supervisor.js";

export interface CommandContext {
  supervisor: Pick<Supervisor, "names" | "has" | "list" | "start" | "stop" | "restart" | "kill" | "killAll" | "settled">;
  /** What a process costs in memory (the runtime's memoryOf), or null when there is no such process. */
  memoryOf: (pid: number) => ProcessMemory | null;
  /** Stops every service and ends the launcher. */
  quit: () => void;
  /** Why `quit` is refused, if it is: under systemd, which would start the launcher again, `sudo systemctl stop roomguard` stops it. */
  quitRefused?: string;
  /** Installed services the config does not run, for status. */
  notRun?: readonly string[];
}

type Handlers = {
  [Command in keyof LauncherResults]: (args: Record<string, unknown>) => Promise<LauncherResults[Command]> | LauncherResults[Command];
};

const DONE: Record<ServiceCommand, ServiceResult["done"]> = { start: "started", stop: "stopped", restart: "restarted", kill: "killed" };

/**
 * The launcher's commands as request handlers, the same for its control socket (`roomguard ctl`)
 * and its prompt. `context` is undefined while the launcher is still starting: every command is
 * refused then. A wrong service name is refused naming the known ones; arguments of the wrong
 * shape are a `bad-request` in the command line's usage words.
 */
export function launcherHandlers(context: () => CommandContext | undefined): RequestHandlers {
  const ready = (): CommandContext => {
    const now = context();
    if (!now) throw new RequestRefused("the launcher is still starting; ask again in a moment");
    return now;
  };
  const onService = (command: ServiceCommand) => async (args: Record<string, unknown>) => {
    const { supervisor } = ready();
    const services = supervisor.names.join(", ");
    const { service } = args;
    if (typeof service !== "string") throw new RequestRefused(`usage: ${command} <service>; services: ${services}`, "bad-request");
    if (!supervisor.has(service)) throw new RequestRefused(`unknown service ${JSON.stringify(service)}; services: ${services}`);
    await supervisor[command](service);
    // Started means up: its first heartbeat came after it bound its sockets, so a request sent
    // right after the answer (`ctl restart alarm && roomguard alarm status`) finds it listening.
    if (command === "start" || command === "restart") {
      const view = await supervisor.settled(service);
      if (view.state !== "running") throw new RequestRefused(`${service} did not come up: ${view.reason ?? view.state} (${view.state})`);
    }
    return { service, done: DONE[command] };
  };
  const handlers: Handlers = {
    help: (): HelpResult => ({ commands: LAUNCHER_COMMANDS.map(({ usage, does }) => ({ usage, does: [...does] })) }),
    list: (): ListResult => ({
      services: ready()
        .supervisor.list()
        .map(({ service, state, reason }) => ({ service, state, ...(reason === undefined ? {} : { reason }) })),
    }),
    status: (args): StatusResult => {
      const { supervisor, memoryOf, notRun = [] } = ready();
      if (args.wide !== undefined && typeof args.wide !== "boolean") throw new RequestRefused("usage: status [wide]", "bad-request");
      return {
        wide: args.wide === true,
        services: supervisor.list().map((view) => ({ ...view, memory: view.pid === null ? null : memoryFigures(memoryOf(view.pid)) })),
        ...(notRun.length > 0 ? { not_run: [...notRun] } : {}),
      };
    },
    ...(Object.fromEntries(SERVICE_COMMANDS.map((command) => [command, onService(command)])) as Pick<Handlers, ServiceCommand>),
    killall: (): KillAllResult => {
      const { supervisor } = ready();
      const killed = supervisor
        .list()
        .filter((view) => view.pid !== null)
        .map((view) => view.service);
      supervisor.killAll();
      return { killed };
    },
    quit: (): QuitResult => {
      const { quit, quitRefused } = ready();
      if (quitRefused !== undefined) throw new RequestRefused(quitRefused);
      quit();
      return { stopping: true };
    },
  };
  return handlers;
}

function memoryFigures(memory: ProcessMemory | null): StatusResult["services"][number]["memory"] {
  if (memory === null) return null;
  return {
    pss_bytes: memory.pssBytes,
    pss_anon_bytes: memory.pssAnonBytes,
    rss_bytes: memory.rssBytes,
    ...(memory.pssProblem === undefined ? {} : { pss_problem: memory.pssProblem }),
  };
}

/**
 * One line typed at the launcher's prompt, answered in this process as the control socket would
 * answer it over `roomguard ctl`: parsed, handled, rendered. Every line gets an answer.
 */
export async function runCommandLine(line: string, handlers: RequestHandlers, services?: readonly string[]): Promise<string> {
  const parsed = parseCommandLine(line, services);
  if (!parsed.ok) return parsed.usage;
  const reply = await answerRequest(handlers, parsed.request);
  if (!reply.ok) return renderError(parsed.request, reply.error);
  return renderResult(parsed.request, reply.result);
}
