import { SERVICE_COMMANDS, type LauncherRequest, type ServiceCommand } from "./control-protocol.js";

export type ParsedLine = { ok: true; request: LauncherRequest } | { ok: false; usage: string };

const WIDE = new Set(["wide", "-w", "--wide"]);

/**
 * A command line as typed at the launcher's prompt or after `roomguard ctl` (`restart keypad`,
 * `status wide`) made into a request; a usage error for a known command given the wrong words.
 * An empty line is `help`; a word that is no command is sent as it is, for the launcher to
 * answer `unknown-command`. `services`, when known, are named in a usage error.
 */
export function parseCommandLine(line: string, services?: readonly string[]): ParsedLine {
  const [word = "", ...words] = line.trim().split(/\s+/).filter(Boolean);
  const command = word.toLowerCase();
  const usage = (text: string): ParsedLine => ({ ok: false, usage: `usage: ${text}` });
  const plain = (): ParsedLine => (words.length > 0 ? usage(command) : { ok: true, request: { command } });
  switch (command) {
    case "":
    case "help":
      return { ok: true, request: { command: "help" } };
    case "list":
    case "killall":
    case "quit":
      return plain();
    case "status": {
      const [wide, ...extra] = words;
      if (wide === undefined) return { ok: true, request: { command, args: {} } };
      if (!WIDE.has(wide) || extra.length > 0) return usage("status [wide]");
      return { ok: true, request: { command, args: { wide: true } } };
    }
    default:
      if (isServiceCommand(command)) {
        const [service, ...extra] = words;
        if (service === undefined || extra.length > 0)
          return usage(`${command} <service>${services ? `; services: ${services.join(", ")}` : ""}`);
        return { ok: true, request: { command, args: { service } } };
      }
      return { ok: true, request: { command: word } };
  }
}

function isServiceCommand(command: string): command is ServiceCommand {
  return (SERVICE_COMMANDS as readonly string[]).includes(command);
}
