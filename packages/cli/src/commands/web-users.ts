import { ExitCode, hashSecret, textTable } from "@roomguard/runtime";
import type { CommandContext } from "../command.js";
import { checkEditable, ConfigEditError, listAt, readConfigText, writeConfigText, type ConfigText } from "../config-edit.js";
import { readTwice, type CodeReader } from "../read-code.js";
import { UsageError } from "../usage-error.js";
import { removeListItem, setListItem, type ItemMatch } from "../yaml-splice.js";

/** `web.users[].role` in the config schema. */
export const WEB_ROLES = ["admin", "user", "viewer"] as const;
export type WebRole = (typeof WEB_ROLES)[number];

/** `web.users[].name` in the config schema (no spaces, unlike alarm.users). */
const WEB_USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/**
 * Password length in characters. At least 8 (NIST SP 800-63B's floor for a password a person
 * chose); at most 200, below the 256 characters the terminal reader keeps, so that a longer paste
 * is refused rather than cut.
 */
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 200;
/**
 * scrypt N = 2^14, r = 8 (16 MiB, ~30 ms here per check): the cost of the checkout's demo
 * passwords, and the dashboard makes its decoy for unknown names at the first user's cost. A
 * password is checked once per login, not on every key press like a code, so it can cost more.
 */
const PASSWORD_COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const USERS = ["web", "users"] as const;
const RESTART_NOTE = "The dashboard reads web.users when it starts: a running one goes on with the users it read until it is restarted.";

type StoredUser = { name?: unknown; role?: unknown; password?: unknown };

export interface AddWebUserOptions {
  name: string;
  /** Required for a new user; undefined keeps an existing user's role. */
  role?: WebRole | undefined;
  config?: string | undefined;
}

/**
 * `roomguard web add-user`: asks for a password twice, hashes it (scrypt) and sets the user in
 * web.users of the config file in use, changing nothing else in the file. Exit 0 done, 1 refused
 * (a password too short or too long, or two that differ: never the password), 64 a wrong command
 * line, 78 a config file that cannot be edited.
 */
export async function addWebUser(options: AddWebUserOptions, context: CommandContext, reader: CodeReader): Promise<number> {
  const { name, role } = options;
  checkName(name, "add-user");
  const config = await openConfig(options.config, context);
  const matches = sameUser(name);
  const user = onlyUser(config, matches);
  if (!user && role === undefined)
    throw new UsageError(`add-user: ${name} is a new user: --role admin, user or viewer says what they may do`);

  const sample = { name, role: role ?? "user", password: "scrypt$1$1$1$AA==$AA==" };
  checkEditable(config, (text) => setListItem(text, USERS, matches, sample, sample));

  const entry = await readTwice(reader, {
    prompt: `password for ${name}: `,
    what: `the password for ${name}`,
    againPrompt: "the same password again: ",
    problem: (password) => passwordProblem(password),
    differ: "the two passwords differ",
  });
  if ("refused" in entry) return refuse(context, "add-user", `${entry.refused}: nothing was written`);

  const password = await hashSecret(entry.secret, PASSWORD_COST);
  const set: Record<string, string> = { password };
  if (role !== undefined) set.role = role;
  // Names compare without case (the dashboard's config check): `Anna` is anna, now spelled so.
  if (user && String(user.name) !== name) set.name = name;
  await writeConfigText(
    config,
    (text) => setListItem(text, USERS, matches, set, { name, role: role ?? "user", password }),
    (document) => {
      const users = listAt(document, USERS) as StoredUser[];
      const stored = users.find((item) => isUser(item) && matches.matches(String(item.name)));
      if (stored) Object.assign(stored, set);
      else users.push({ name, role: role ?? "user", password });
    },
  );

  const roleNow = role ?? String(user?.role);
  const done = !user
    ? `added ${name} (role ${roleNow})`
    : `changed ${name}'s password${role !== undefined && role !== user.role ? ` and role (now ${role})` : ""}`;
  context.output.out(`${done} in web.users of ${config.file}, hashed (scrypt).`);
  context.output.out(RESTART_NOTE);
  return ExitCode.ok;
}

/** `roomguard web remove-user`: takes NAME out of web.users. Exit 0 done, 1 no such user, 64, 78 as add-user. */
export async function removeWebUser(name: string, configPath: string | undefined, context: CommandContext): Promise<number> {
  checkName(name, "remove-user");
  const config = await openConfig(configPath, context);
  const matches = sameUser(name);
  const user = onlyUser(config, matches);
  if (!user) return refuse(context, "remove-user", `web.users of ${config.file} has no ${name}: nothing was written`);
  await writeConfigText(
    config,
    (text) => removeListItem(text, USERS, matches),
    (document) => {
      const users = listAt(document, USERS);
      users.splice(users.indexOf(findIn(users, matches)), 1);
    },
  );
  context.output.out(`removed ${String(user.name)} from web.users of ${config.file}.`);
  context.output.out(`${RESTART_NOTE} Its sessions end at that restart.`);
  return ExitCode.ok;
}

/** `roomguard web users`: the names and roles in web.users, never the hashes. */
export function listWebUsers(configPath: string | undefined, context: CommandContext): number {
  const loaded = context.loadConfig(configPath, { needs: ["web.users"] });
  const { users } = loaded.config.web;
  const where = loaded.file ?? "the defaults (no config file)";
  if (users.length === 0) {
    const { command } = context.hints();
    context.output.out(`no dashboard users in ${where}: \`${command("web add-user NAME --role admin")}\` adds one`);
    return ExitCode.ok;
  }
  context.output.out(textTable([["NAME", "ROLE"], ...users.map((user) => [user.name, user.role])]));
  return ExitCode.ok;
}

function checkName(name: string, verb: string): void {
  if (!WEB_USER_NAME.test(name))
    throw new UsageError(`${verb}: expected a name of up to 32 letters, digits, . _ - (no spaces), got ${JSON.stringify(name)}`);
}

async function openConfig(configPath: string | undefined, context: CommandContext): Promise<ConfigText> {
  const loaded = context.loadConfig(configPath, { needs: [] });
  return readConfigText(loaded.file, "web.users");
}

function sameUser(name: string): ItemMatch {
  const lower = name.toLowerCase();
  return { key: "name", matches: (value) => value.toLowerCase() === lower, label: name };
}

function isUser(item: unknown): item is StoredUser {
  return typeof item === "object" && item !== null;
}

function findIn(users: unknown[], matches: ItemMatch): unknown {
  return users.find((item) => isUser(item) && matches.matches(String(item.name)));
}

/** The user `matches` finds in the file's web.users; a name there twice cannot be edited. */
function onlyUser(config: ConfigText, matches: ItemMatch): StoredUser | undefined {
  const web = config.document.web;
  const list = typeof web === "object" && web !== null ? (web as Record<string, unknown>).users : undefined;
  const mine = (Array.isArray(list) ? list : []).filter((item): item is StoredUser => isUser(item) && matches.matches(String(item.name)));
  if (mine.length > 1)
    throw new ConfigEditError(
      `web.users in ${config.file} holds ${matches.label} ${mine.length} times (names compare without case): remove all but one first`,
    );
  return mine[0];
}

function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length === 0) return `expected a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters, got an empty line`;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) return `expected a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`;
  return undefined;
}

function refuse(context: CommandContext, verb: string, message: string): number {
  context.output.err(`roomguard web ${verb}: ${message}`);
  return ExitCode.failure;
}
