import { parseArgs } from "node:util";
import { ExitCode } from "@roomguard/runtime";
import { connectionOptions, type Command, type CommandContext } from "../command.js";
import { ConfigEditError } from "../config-edit.js";
import { CANCELLED_EXIT, CodeEntryCancelled, lazyCodeReader, type CodeReader } from "../read-code.js";
import { UsageError } from "../usage-error.js";
import { isHostName, makeCert, MAX_CERT_DAYS } from "./web-make-cert.js";
import { addWebUser, listWebUsers, removeWebUser, WEB_ROLES, type WebRole } from "./web-users.js";

export const webCommand: Command = {
  summary: "the web dashboard's users and certificate: add-user, remove-user, users, make-cert",
  usage: `roomguard web add-user NAME [--role admin|user|viewer]
roomguard web remove-user NAME
roomguard web users
roomguard web make-cert [--host NAME]… [--days N] [--out DIR] [--force]
  (each takes --config FILE)

Each edits the config file in use in place: its comments and layout stay, the
result is checked with the config's own parser, and the file is replaced
atomically with its mode and owner. The dashboard reads web.users and web.tls
when it starts: a running one goes on with what it read until it is restarted.

  add-user NAME   sets NAME's password in web.users, hashed (scrypt), asked
                  twice: on a terminal without echo, otherwise two lines of
                  standard input. 8 to 200 characters. --role: admin
                  (everything, the console too), user (arm, disarm, music)
                  or viewer (read only); needed for a new user, else the
                  role stays. A name is up to 32 letters, digits, . _ - and
                  compares without case (Anna is anna).
  remove-user NAME  takes NAME out of web.users
  users           the names and roles in web.users (never the hashes)
  make-cert       a self-signed certificate with an EC P-256 key, made by
                  openssl, for this machine's names (its host name,
                  NAME.local, localhost, each --host NAME) and addresses
                  (each interface's, 127.0.0.1, ::1): web-cert.pem (0644)
                  and web-key.pem (0600; 0640 when the config file is
                  readable by its group) in --out DIR (default: the config
                  file's directory), set as web.tls.cert and web.tls.key.
                  --days N: valid N days, at most and by default ${MAX_CERT_DAYS}.
                  Existing files are kept unless --force. Prints the
                  certificate's SHA-256 fingerprint, to compare with the
                  one the phone's warning page shows, and the URL. Run it
                  again when the Pi's address changes.

Exit 0: done. 1: refused (passwords that differ or are too short, no such
user, certificate files there) or failed: the reason is printed, never the
password. 64: a wrong command line. 69: no openssl (apt-get install openssl).
78: the config file cannot be edited (none, unreadable, not YAML, a layout
the edit cannot make sense of, not writable): the reason is printed.
130: password entry cancelled.`,

  async run(argv, context) {
    const [verb, ...rest] = argv;
    const reader = lazyCodeReader(context.stdin, context.signal);
    try {
      return await runVerb(verb, rest, context, reader);
    } catch (error) {
      if (error instanceof CodeEntryCancelled) {
        context.output.err(`roomguard web ${verb ?? ""}: ${error.message}: nothing was done`);
        return CANCELLED_EXIT;
      }
      if (error instanceof ConfigEditError) {
        context.output.err(`roomguard web ${verb ?? ""}: ${error.message}`);
        return ExitCode.config;
      }
      throw error;
    } finally {
      reader.close();
    }
  },
};

const common = { config: connectionOptions.config, help: connectionOptions.help } as const;

async function runVerb(verb: string | undefined, argv: string[], context: CommandContext, reader: CodeReader): Promise<number> {
  switch (verb) {
    case "add-user": {
      const { values, positionals } = parseArgs({ args: argv, options: { ...common, role: { type: "string" } }, allowPositionals: true });
      const name = oneName("add-user", positionals);
      const { role } = values;
      if (role !== undefined && !(WEB_ROLES as readonly string[]).includes(role))
        throw new UsageError(`add-user: --role: expected admin, user or viewer, got "${role}"`);
      return addWebUser({ name, role: role as WebRole | undefined, config: values.config }, context, reader);
    }
    case "remove-user": {
      const { values, positionals } = parseArgs({ args: argv, options: common, allowPositionals: true });
      return removeWebUser(oneName("remove-user", positionals), values.config, context);
    }
    case "users": {
      const { values } = parseArgs({ args: argv, options: common });
      return listWebUsers(values.config, context);
    }
    case "make-cert": {
      const { values } = parseArgs({
        args: argv,
        options: {
          ...common,
          host: { type: "string", multiple: true },
          days: { type: "string" },
          out: { type: "string" },
          force: { type: "boolean" },
        },
      });
      const hosts = values.host ?? [];
      const bad = hosts.find((host) => !isHostName(host));
      if (bad !== undefined) throw new UsageError(`make-cert: --host: expected a DNS name or an IP address, got ${JSON.stringify(bad)}`);
      const days = Number(values.days ?? MAX_CERT_DAYS);
      if (!Number.isInteger(days) || days < 1 || days > MAX_CERT_DAYS)
        throw new UsageError(
          `make-cert: --days: expected a whole number of days from 1 to ${MAX_CERT_DAYS} (Apple's devices refuse a longer certificate), got "${values.days ?? ""}"`,
        );
      if (values.out === "") throw new UsageError("make-cert: --out: expected a directory");
      return makeCert({ hosts, days, out: values.out, force: values.force === true, config: values.config }, context);
    }
    default:
      throw new UsageError(`expected add-user, remove-user, users or make-cert${verb === undefined ? "" : `, got "${verb}"`}`);
  }
}

function oneName(verb: string, positionals: string[]): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new UsageError(`${verb}: expected one NAME`);
  return name;
}
