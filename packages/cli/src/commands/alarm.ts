import { parseArgs } from "node:util";
import { connectionOptions, type Command, type CommandContext } from "../command.js";
import { CANCELLED_EXIT, CodeEntryCancelled, lazyCodeReader, type CodeReader } from "../read-code.js";
import { UsageError } from "../usage-error.js";
import { addUser } from "./alarm-add-user.js";
import { showHistory } from "./alarm-history.js";
import { actOnAlarm } from "./alarm-request.js";

const MODES = ["away", "home", "night"] as const;

export const alarmCommand: Command = {
  summary: "the alarm: status, arm, disarm, bypass, history, add-user",
  usage: `roomguard alarm status [--json]
roomguard alarm arm away|home|night [--bypass ZONE[,ZONE…]]… [--bypass-open]
roomguard alarm disarm
roomguard alarm bypass ZONE…
roomguard alarm history [--since WHEN] [--kind KIND[,KIND…]] [--json]
roomguard alarm add-user NAME [--role admin|user] [--duress]
  (each takes --config FILE; status, arm, disarm and bypass --timeout MS)

status, arm, disarm and bypass ask the running alarm over its request socket
(alarm.requests), never over the bus; the alarm audits them with the source
"cli". arm, disarm and bypass ask for the code: on a terminal without echo
(nothing shows per digit), otherwise as one line of standard input:

  echo 1234 | roomguard alarm disarm

  status        the state: where a countdown leads and when, the mode, who
                changed it, open, bypassed and troubled zones, alarm memory,
                the code entry lockout; --json: the alarm's answer as it is
  arm MODE      arms in the mode after the exit delay. Refused, naming them,
                while zones are open or in trouble, unless --bypass names
                them or --bypass-open bypasses every one open or in trouble
                (bypassing takes an admin's code; it lasts one armed cycle)
  disarm        disarms (and silences the siren)
  bypass ZONE…  bypasses zones for the next arm cycle (an admin's code)
  history       the audit trail (alarm.stateDir/audit*.jsonl), oldest first:
                --since 2026-12-01, 2026-12-01T18:00, or an age (30m, 24h,
                7d); --kind bad_code,disarm (comma-separated or repeated);
                --json: one event per line, as stored
  add-user NAME sets NAME's code in alarm.users of the config file in use,
                hashed (scrypt), keeping the file's comments and layout;
                asks for it twice (on a terminal without echo, otherwise two
                lines of standard input). 4 to 12 digits. --role admin|user
                (a new user is a user); --duress sets NAME's duress code
                instead, which disarms like the code and silently raises a
                duress event. The alarm reads users when it starts:
                \`roomguard ctl restart alarm\` applies the change.

Exit 0: done. 1: refused (a wrong code, open zones, a lockout, codes that
differ: the reason is printed, never the code) or failed. 64: a wrong command
line. 69: the alarm is not running (nothing answers at alarm.requests).
78: the config key the command needs is invalid. 130: code entry cancelled.`,

  async run(argv, context) {
    const [verb, ...rest] = argv;
    // Made on the first code asked for: status and history leave standard input alone.
    const reader = lazyCodeReader(context.stdin, context.signal);
    try {
      return await runVerb(verb, rest, context, reader);
    } catch (error) {
      if (!(error instanceof CodeEntryCancelled)) throw error;
      context.output.err(`roomguard alarm ${verb ?? ""}: ${error.message}: nothing was done`);
      return CANCELLED_EXIT;
    } finally {
      reader.close();
    }
  },
};

async function runVerb(verb: string | undefined, argv: string[], context: CommandContext, reader: CodeReader): Promise<number> {
  switch (verb) {
    case "status": {
      const { values } = parseArgs({ args: argv, options: { ...connectionOptions, json: { type: "boolean" } } });
      return actOnAlarm({ command: "status", args: {}, withCode: false, done: "" }, values, context, reader);
    }
    case "arm": {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { ...connectionOptions, bypass: { type: "string", multiple: true }, "bypass-open": { type: "boolean" } },
        allowPositionals: true,
      });
      const [mode, ...extra] = positionals;
      if (!(MODES as readonly (string | undefined)[]).includes(mode) || extra.length > 0)
        throw new UsageError(
          `arm: expected one mode, away, home or night${extra.length > 0 ? ` (zones to bypass go after --bypass)` : ""}`,
        );
      const zones = zoneList(values.bypass ?? []);
      if (zones.length > 0 && values["bypass-open"]) throw new UsageError("arm: --bypass ZONE and --bypass-open do not go together");
      const bypass = values["bypass-open"] ? { bypass: true } : zones.length > 0 ? { bypass: zones } : {};
      return actOnAlarm(
        { command: "arm", args: { mode, ...bypass }, withCode: true, done: `arm ${mode}: accepted` },
        values,
        context,
        reader,
      );
    }
    case "disarm": {
      const { values } = parseArgs({ args: argv, options: connectionOptions });
      return actOnAlarm({ command: "disarm", args: {}, withCode: true, done: "disarm: accepted" }, values, context, reader);
    }
    case "bypass": {
      const { values, positionals } = parseArgs({ args: argv, options: connectionOptions, allowPositionals: true });
      const zones = zoneList(positionals);
      if (zones.length === 0) throw new UsageError("bypass: expected the zones to bypass, e.g. bypass window");
      return actOnAlarm(
        { command: "bypass", args: { zones }, withCode: true, done: `bypass ${zones.join(", ")}: accepted` },
        values,
        context,
        reader,
      );
    }
    case "history": {
      const { values } = parseArgs({
        args: argv,
        options: {
          config: connectionOptions.config,
          help: connectionOptions.help,
          since: { type: "string" },
          kind: { type: "string", multiple: true },
          json: { type: "boolean" },
        },
      });
      return showHistory(values, context);
    }
    case "add-user": {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { config: connectionOptions.config, help: connectionOptions.help, role: { type: "string" }, duress: { type: "boolean" } },
        allowPositionals: true,
      });
      const [name, ...extra] = positionals;
      if (name === undefined || extra.length > 0)
        throw new UsageError(`add-user: expected one NAME${extra.length > 0 ? ` (a name with spaces goes in quotes)` : ""}`);
      const { role } = values;
      if (role !== undefined && role !== "admin" && role !== "user")
        throw new UsageError(`add-user: --role: expected admin or user, got "${role}"`);
      return addUser({ name, role, duress: values.duress === true, config: values.config }, context, reader);
    }
    default:
      throw new UsageError(`expected status, arm, disarm, bypass, history or add-user${verb === undefined ? "" : `, got "${verb}"`}`);
  }
}

/** Zone names from arguments that may each hold several, comma-separated. */
function zoneList(values: string[]): string[] {
  return values.flatMap((value) => value.split(",")).filter((zone) => zone !== "");
}
