import { ExitCode, hashSecret, verifySecret } from "@roomguard/runtime";
import type { CommandContext } from "../command.js";
import { ConfigEditError, listAt, readConfigText, writeConfigText, type ConfigText } from "../config-edit.js";
import { readTwice, type CodeReader } from "../read-code.js";
import { UsageError } from "../usage-error.js";
import { setUserCode, type CodeChange } from "./alarm-users-yaml.js";

/** What the keypad can type: digits only, 4 to 12 of them (keypad.codeEntry.maxDigits is at most 12). */
export const CODE_PATTERN = /^\d{4,12}$/;
const CODE_RULE = "a code of 4 to 12 digits (the keypad types digits only)";
/** alarm.users[].name in the config schema. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$/;

export interface AddUserOptions {
  name: string;
  role?: "admin" | "user" | undefined;
  duress: boolean;
  config?: string | undefined;
}

type StoredUser = { name?: unknown; pin?: unknown; duressPin?: unknown; role?: unknown };

/**
 * `roomguard alarm add-user`: asks for a code twice, hashes it and writes it into alarm.users of
 * the config file in use, changing nothing else in the file. Exit 0 done, 1 refused (the reason
 * printed; the code never), 64 a wrong command line, 78 a file that is not YAML.
 */
export async function addUser(options: AddUserOptions, context: CommandContext, reader: CodeReader): Promise<number> {
  const { name, duress } = options;
  const field: CodeChange["field"] = duress ? "duressPin" : "pin";
  const refuse = (message: string): number => {
    context.output.err(`roomguard alarm add-user: ${message}`);
    return ExitCode.failure;
  };
  if (!USER_NAME.test(name))
    throw new UsageError(`add-user: expected a name of up to 32 letters, digits, spaces, . _ -, got ${JSON.stringify(name)}`);
  if (duress && options.role !== undefined) throw new UsageError("add-user: --role goes with the user's own code, not --duress");

  const loaded = context.loadConfig(options.config, { needs: [] });
  const { command } = context.hints();
  let config: ConfigText;
  try {
    config = await readConfigText(loaded.file, "the user");
  } catch (error) {
    if (!(error instanceof ConfigEditError)) throw error;
    return refuse(error.message);
  }
  const { file } = config;
  const users = storedUsers(config.document);
  const mine = users.filter((user) => String(user.name) === name);
  if (mine.length > 1) return refuse(`alarm.users in ${file} holds ${name} ${mine.length} times: remove all but one first`);
  const user = mine[0];
  if (duress && typeof user?.pin !== "string") {
    return refuse(`${name} has no code yet: give them one first (\`${command(`alarm add-user ${name}`)}\`), then the duress code`);
  }

  const what = duress ? `the duress code for ${name}` : `the code for ${name}`;
  const entry = await readTwice(reader, {
    prompt: `${duress ? "duress code" : "code"} for ${name}: `,
    what,
    againPrompt: "the same code again: ",
    problem: (code) => (CODE_PATTERN.test(code) ? undefined : `expected ${CODE_RULE}`),
    differ: "the two codes differ",
  });
  if ("refused" in entry) return refuse(`${entry.refused}: nothing was written`);
  const code = entry.secret;

  const clash = await clashOf(code, users, name, field, (message) => context.output.err(`roomguard alarm add-user: warning: ${message}`));
  if (clash) return refuse(`${clash}: nothing was written`);

  const change: CodeChange = { name, field, hash: await hashSecret(code), role: options.role };
  try {
    await writeConfigText(
      config,
      (text) => setUserCode(text, change),
      (document) => intendChange(document, change),
    );
  } catch (error) {
    if (!(error instanceof ConfigEditError)) throw error;
    return refuse(error.message);
  }

  const roleNow = options.role ?? (typeof user?.role === "string" ? user.role : "user");
  const done = !user
    ? `added ${name} (role ${roleNow})`
    : duress
      ? `${typeof user.duressPin === "string" ? "changed" : "set"} ${name}'s duress code`
      : `changed ${name}'s code${options.role !== undefined && options.role !== user.role ? ` and role (now ${options.role})` : ""}`;
  context.output.out(`${done} in ${file}, hashed (scrypt).`);
  const { maxDigits } = loaded.config.keypad.codeEntry;
  if (code.length > maxDigits) {
    context.output.err(
      `roomguard alarm add-user: warning: the keypad takes at most ${maxDigits} digits (keypad.codeEntry.maxDigits): ` +
        "this code works from roomguard alarm, the dashboard and Home Assistant, not from the keypad",
    );
  }
  context.output.out(`The alarm reads alarm.users when it starts: \`${command("ctl restart alarm")}\` applies it.`);
  return ExitCode.ok;
}

function storedUsers(document: Record<string, unknown>): StoredUser[] {
  const alarm = document.alarm;
  const users = typeof alarm === "object" && alarm !== null ? (alarm as Record<string, unknown>).users : undefined;
  return Array.isArray(users) ? users.filter((user): user is StoredUser => typeof user === "object" && user !== null) : [];
}

/**
 * Why `code` may not be `name`'s `field`: it is already a code of theirs with the other meaning
 * (a duress code equal to the code would never be told apart), or another user's code (a code
 * names one person). Every stored hash is checked, concurrently.
 */
async function clashOf(
  code: string,
  users: StoredUser[],
  name: string,
  field: CodeChange["field"],
  warn: (message: string) => void,
): Promise<string | undefined> {
  const checks = users.flatMap((user) =>
    (["pin", "duressPin"] as const).flatMap((key) => {
      const stored = user[key];
      const own = String(user.name) === name;
      if (typeof stored !== "string" || (own && key === field)) return [];
      return [
        verifySecret(code, stored).then(
          (same) => (same ? { own, key } : undefined),
          (error: Error) => {
            // The user's own code must be readable to tell a duress code from it; another user's is their problem.
            if (own) throw new Error(`${name}'s stored ${key} cannot be checked (${error.message}): set it again first`);
            warn(`${String(user.name)}'s ${key} cannot be checked against the new code: ${error.message}`);
            return undefined;
          },
        ),
      ];
    }),
  );
  const found = (await Promise.all(checks)).find((match) => match !== undefined);
  if (!found) return undefined;
  if (found.own) return field === "duressPin" ? `the duress code must differ from ${name}'s own code` : `that is ${name}'s duress code`;
  return "that code is already another user's code or duress code: every code must name one person";
}

/** `change` made in a parsed document, as setUserCode makes it in the text. */
function intendChange(document: Record<string, unknown>, change: CodeChange): void {
  const users = listAt(document, ["alarm", "users"]) as StoredUser[];
  const user = users.find((item) => typeof item === "object" && item !== null && String(item.name) === change.name);
  if (user) {
    user[change.field] = change.hash;
    if (change.role !== undefined) user.role = change.role;
  } else users.push({ name: change.name, [change.field]: change.hash, role: change.role ?? "user" });
}
