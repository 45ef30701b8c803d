import type { ServiceState, ServiceView } from "./supervisor.js";

/**
 * The launcher's commands, as its control socket serves them (docs/cli.md): what `help` lists,
 * in its order. `does` is one line of text per line of the help.
 */
export const LAUNCHER_COMMANDS: readonly { usage: string; does: readonly string[] }[] = [
  { usage: "help", does: ["this list"] },
  { usage: "list", does: ["the services and their states"] },
  {
    usage: "status [wide]",
    does: ["pid, uptime, heartbeat age, restarts and memory (PSS) of each", "service; wide: RSS too, and why a memory figure is missing"],
  },
  { usage: "start <service>", does: ["start a stopped (or given-up) service"] },
  { usage: "stop <service>", does: ["stop a service cleanly (it is not restarted)"] },
  { usage: "restart <service>", does: ["stop it cleanly, then start it"] },
  { usage: "kill <service>", does: ["kill it as a crash would: it is lost, and restarted"] },
  { usage: "killall", does: ["kill every service now, and restart none (an emergency stop)"] },
  { usage: "quit", does: ["stop every service cleanly, then the launcher"] },
];

/** The commands that act on one service, `{"service": name}`. */
export const SERVICE_COMMANDS = ["start", "stop", "restart", "kill"] as const;
export type ServiceCommand = (typeof SERVICE_COMMANDS)[number];

/** One request to the launcher, before it gets an id: what the command-line parser makes. */
export interface LauncherRequest {
  command: string;
  args?: Record<string, unknown>;
}

/** `help`: the commands and what they do. */
export interface HelpResult {
  commands: { usage: string; does: string[] }[];
}

/** `list`: each service and its state. */
export interface ListResult {
  services: { service: string; state: ServiceState; reason?: string }[];
}

/** A process's memory, from /proc; bytes, null when unreadable (`pss_problem` says why). */
export interface ServiceMemory {
  pss_bytes: number | null;
  pss_anon_bytes: number | null;
  rss_bytes: number | null;
  pss_problem?: string;
}

/** `status {wide?}`: every service with its memory (null without a process); `wide` is how to show it. */
export interface StatusResult {
  wide: boolean;
  services: (ServiceView & { memory: ServiceMemory | null })[];
  /** Installed service packages the config does not run (absent when there is none). */
  not_run?: string[];
}

/** `start|stop|restart|kill {service}`: what was done. `kill`ed services are restarted by the supervisor. */
export interface ServiceResult {
  service: string;
  done: "started" | "stopped" | "restarted" | "killed";
}

/** `killall`: the services that had a process to kill. */
export interface KillAllResult {
  killed: string[];
}

/** `quit`: the launcher stops every service, then itself. */
export interface QuitResult {
  stopping: true;
}

/** Each command's result. */
export interface LauncherResults {
  help: HelpResult;
  list: ListResult;
  status: StatusResult;
  start: ServiceResult;
  stop: ServiceResult;
  restart: ServiceResult;
  kill: ServiceResult;
  killall: KillAllResult;
  quit: QuitResult;
}
