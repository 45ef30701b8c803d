import type { ServerErrorCode } from "@roomguard/bus";
import { textTable } from "@roomguard/runtime";
import {
  LAUNCHER_COMMANDS,
  type HelpResult,
  type LauncherRequest,
  type ListResult,
  type ServiceResult,
  type StatusResult,
} from "./control-protocol.js";

/**
 * A launcher command's result as text, for the prompt and `roomguard ctl`: the help, the
 * service list, the status table, one line for an action.
 */
export function renderResult(request: LauncherRequest, result: Record<string, unknown>): string {
  switch (request.command) {
    case "help":
      return helpText((result as unknown as HelpResult).commands);
    case "list":
      return (result as unknown as ListResult).services
        .map((view) => `${view.service.padEnd(14)}${view.state}${view.reason ? ` (${view.reason})` : ""}`)
        .join("\n");
    case "status":
      return statusTable(result as unknown as StatusResult);
    case "start":
    case "stop":
    case "restart":
    case "kill": {
      const { service, done } = result as unknown as ServiceResult;
      return `${service}: ${done === "killed" ? "killed (it will be restarted)" : done}`;
    }
    case "killall":
      return "killed every service; `start <service>` or a new launcher brings them back";
    case "quit":
      return "stopping every service, then the launcher";
    default:
      return JSON.stringify(result);
  }
}

/** The launcher's refusal of a request as text: an unknown command gets the help, a failure says so. */
export function renderError(request: LauncherRequest, error: { code: ServerErrorCode; message: string }): string {
  switch (error.code) {
    case "unknown-command":
      return `unknown command ${JSON.stringify(request.command)}\n${helpText(LAUNCHER_COMMANDS)}`;
    case "refused":
    case "bad-request":
      return error.message;
    case "failed":
      return `error: ${error.message}`;
  }
}

function helpText(commands: readonly { usage: string; does: readonly string[] }[]): string {
  const lines = commands.flatMap(({ usage, does }) =>
    does.map((line, i) => (i === 0 ? `  ${usage.padEnd(21)}${line}` : `${" ".repeat(23)}${line}`)),
  );
  return ["commands:", ...lines].join("\n");
}

const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function statusTable({ services, wide, not_run: notRun = [] }: StatusResult): string {
  const header = ["service", "state", "pid", "uptime", "heartbeat", "restarts", "memory", ...(wide ? ["rss"] : []), "problem"];
  const seconds = (value: number | null): string => (value === null ? "-" : `${value.toFixed(1)} s`);
  const notes = new Map<string, string[]>();
  const rows = services.map((view) => {
    const { memory } = view;
    if (memory?.pss_problem) notes.set(memory.pss_problem, [...(notes.get(memory.pss_problem) ?? []), view.service]);
    const pss = memory === null ? "-" : memory.pss_bytes === null ? "?" : megabytes(memory.pss_bytes);
    const rss = memory === null ? "-" : memory.rss_bytes === null ? "?" : megabytes(memory.rss_bytes);
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
  const table = [textTable([header, ...rows])];
  // Installed service packages the config does not run: status is where a user learns they exist.
  if (notRun.length > 0) table.push("", `installed, not in launcher.services: ${notRun.join(", ")}`);
  if (!wide) return table.join("\n");
  return [
    ...table,
    "",
    "memory: PSS, what each process really costs (shared pages split between the processes sharing them);",
    "rss: every page it maps, the node binary and libraries counted again in each process.",
    ...[...notes].map(([problem, names]) => `memory ? for ${names.join(", ")}: ${problem}`),
  ].join("\n");
}
