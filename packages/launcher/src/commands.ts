import type { ProcessMemory } from "./processes.js";
import type { ServiceView, Supervisor } from "./supervisor.js";

export interface CommandContext {
  supervisor: Pick<Supervisor, "names" | "has" | "list" | "start" | "stop" | "restart" | "kill" | "killAll">;
  /** What a process costs in memory (processes.ts's memoryOf), or null when there is no such process. */
  memoryOf: (pid: number) => ProcessMemory | null;
  /** Stops every service and ends the launcher. */
  quit: () => void;
}

const HELP = `commands:
  help                 this list
  list                 the services and their states
  status [wide]        pid, uptime, heartbeat age, restarts and memory (PSS) of each
                       service; wide: RSS too, and why a memory figure is missing
  start <service>      start a stopped (or given-up) service
  stop <service>       stop a service cleanly (it is not restarted)
  restart <service>    stop it cleanly, then start it
  kill <service>       kill it as a crash would: it is lost, and restarted
  killall              kill every service now, and restart none (an emergency stop)
  quit                 stop every service cleanly, then the launcher`;

/**
 * The launcher's commands, the same from its terminal shell and from `roomguard ctl`. Every
 * input gets an answer: a wrong one is told what was wrong and shown the commands.
 */
export async function runCommand(line: string, context: CommandContext): Promise<string> {
  const [word = "", name, ...extra] = line.trim().split(/\s+/);
  const { supervisor } = context;
  const service = async (act: (service: string) => Promise<unknown> | void, done: string): Promise<string> => {
    if (name === undefined || extra.length > 0) return `usage: ${word} <service>; services: ${supervisor.names.join(", ")}`;
    if (!supervisor.has(name)) return `unknown service "${name}"; services: ${supervisor.names.join(", ")}`;
    await act(name);
    return `${name}: ${done}`;
  };
  switch (word.toLowerCase()) {
    case "":
    case "help":
      return HELP;
    case "list":
      return supervisor
        .list()
        .map((view) => `${view.service.padEnd(14)}${view.state}${view.reason ? ` (${view.reason})` : ""}`)
        .join("\n");
    case "status":
      if (name !== undefined && (!WIDE.has(name) || extra.length > 0)) return "usage: status [wide]";
      return statusTable(supervisor.list(), context.memoryOf, name !== undefined);
    case "start":
      return service((name) => supervisor.start(name), "started");
    case "stop":
      return service((name) => supervisor.stop(name), "stopped");
    case "restart":
      return service((name) => supervisor.restart(name), "restarted");
    case "kill":
      return service((name) => supervisor.kill(name), "killed (it will be restarted)");
    case "killall":
      supervisor.killAll();
      return "killed every service; `start <service>` or a new launcher brings them back";
    case "quit":
      context.quit();
      return "stopping every service, then the launcher";
    default:
      return `unknown command "${word}"\n${HELP}`;
  }
}

const WIDE = new Set(["wide", "-w", "--wide"]);

const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function statusTable(views: ServiceView[], memoryOf: CommandContext["memoryOf"], wide: boolean): string {
  const header = ["service", "state", "pid", "uptime", "heartbeat", "restarts", "memory", ...(wide ? ["rss"] : []), "problem"];
  const seconds = (value: number | null): string => (value === null ? "-" : `${value.toFixed(1)} s`);
  const notes = new Map<string, string[]>();
  const rows = views.map((view) => {
    const memory = view.pid === null ? null : memoryOf(view.pid);
    if (memory?.pssProblem) notes.set(memory.pssProblem, [...(notes.get(memory.pssProblem) ?? []), view.service]);
    const pss = memory === null ? "-" : memory.pssBytes === null ? "?" : megabytes(memory.pssBytes);
    const rss = memory === null ? "-" : memory.rssBytes === null ? "?" : megabytes(memory.rssBytes);
    return [
      view.service,
      view.state + (view.reason ? ` (${view.reason})` : ""),
      view.pid === null ? "-" : String(view.pid),
      seconds(view.uptime_s),
      view.heartbeat_age_s === null ? "-" : `${seconds(view.heartbeat_age_s)} ago`,
      String(view.restarts),
      pss,
      ...(wide ? [rss] : []),
      view.problem ?? "",
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const table = [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  if (!wide) return table.join("\n");
  return [
    ...table,
    "",
    "memory: PSS, what each process really costs (shared pages split between the processes sharing them);",
    "rss: every page it maps, the node binary and libraries counted again in each process.",
    ...[...notes].map(([problem, services]) => `memory ? for ${services.join(", ")}: ${problem}`),
  ].join("\n");
}
