import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  allowedDir,
  allowKey,
  createKeyPair,
  CURVE_KEY_NAME_PATTERN,
  HOST_KEY,
  isZ85Key,
  keyFingerprint,
  KeyFileError,
  keysDirOf,
  publicKeyFile,
  readAllowed,
  readKeyPair,
  readPublicKey,
  revokeKey,
  ROUTER_KEY,
  secretKeyFile,
} from "@roomguard/bus";
import { ExitCode, textTable } from "@roomguard/runtime";
import { connectionOptions, type Command, type CommandContext } from "../command.js";
import { UsageError } from "../usage-error.js";

/** Names `keys allow` and `keys revoke` refuse: the router's and this host's own pairs. */
const RESERVED = [ROUTER_KEY, HOST_KEY] as const;
/** What a keys directory holds; a directory holding only these may be made private by `keys init`. */
const KEY_ENTRIES = /^(router|host)\.key(_secret)?$|^allowed$|\.tmp$/;
const APPLIES_AT_ONCE = "A running router applies it at once: it follows allowed/ (no restart).";

export const keysCommand: Command = {
  summary: "the bus's CURVE keys: init, allow, revoke, list",
  usage: `roomguard keys init
roomguard keys allow NAME PUBLIC_KEY|FILE
roomguard keys revoke NAME
roomguard keys list [--json]
  (each takes --config FILE)

The keys live in bus.keys (default var/keys, relative to the config file's
directory): router.key and router.key_secret (the router's pair), host.key and
host.key_secret (this host's programs' pair), allowed/NAME.key (the other
machines the router lets in; host is always let in). They are certificate
files as czmq's zcert and pyzmq's zmq.auth write them. Every bus endpoint that
is not loopback or ipc uses them.

  init           makes the router's pair and this host's pair where they are
                 missing and keeps those that are there, so it can run on
                 every install. The directory is made 0700, the secret files
                 0600, owned by the user who runs it: run it as the user the
                 services run as. Prints the public keys and what to do next.
  allow NAME KEY lets another machine in under NAME: KEY is its host.key, as
                 the file or as the 40 characters of Z85 in it. Replaces the
                 key an allowed NAME had.
  revoke NAME    takes NAME out of allowed/.
  list           the router's and this host's public keys and each allowed
                 name, with fingerprints; --json for a script.

A running router applies allow and revoke at once: it follows allowed/, and
closes the connections of a revoked key.

Exit 0: done. 1: refused (revoke of a name not allowed, a key already allowed
under another name or this host's own, a file that is not a public key, no
keys directory yet) or failed. 64: a wrong command line (a bad NAME, router or
host as NAME, a KEY that is neither 40 characters of Z85 nor a file). 78:
bus.keys is invalid, or a key file there cannot be used (readable by others,
another user's, not a certificate, unreadable): the file and the fix are
printed, as a service would exit for it.`,

  run(argv, context) {
    const [verb, ...rest] = argv;
    try {
      return Promise.resolve(runVerb(verb, rest, context));
    } catch (error) {
      // A key file that cannot be used: exit 78, as a service exits for it (busKeysFor).
      if (error instanceof KeyFileError) {
        context.output.err(`roomguard keys ${verb ?? ""}: ${error.message}`);
        return Promise.resolve(ExitCode.config);
      }
      throw error;
    }
  },
};

const common = { config: connectionOptions.config, help: connectionOptions.help } as const;

function runVerb(verb: string | undefined, argv: string[], context: CommandContext): number {
  switch (verb) {
    case "init": {
      const { values } = parseArgs({ args: argv, options: common });
      return initKeys(keysDir(values.config, context), context);
    }
    case "allow": {
      // A Z85 key may start with "-": it is the key, never an option.
      const keys = argv.filter((arg) => arg.startsWith("-") && isZ85Key(arg));
      const rest = argv.filter((arg) => !keys.includes(arg));
      const { values, positionals } = parseArgs({ args: [...rest, "--", ...keys], options: common, allowPositionals: true });
      const [name, key, ...extra] = positionals;
      if (name === undefined || key === undefined || extra.length > 0)
        throw new UsageError("allow: expected NAME and PUBLIC_KEY (or a .key file)");
      checkName("allow", name);
      const given = keyArgument(key);
      return allowName(keysDir(values.config, context), name, given, context);
    }
    case "revoke": {
      const { values, positionals } = parseArgs({ args: argv, options: common, allowPositionals: true });
      const [name, ...extra] = positionals;
      if (name === undefined || extra.length > 0) throw new UsageError("revoke: expected one NAME");
      checkName("revoke", name);
      return revokeName(keysDir(values.config, context), name, context);
    }
    case "list": {
      const { values } = parseArgs({ args: argv, options: { ...common, json: { type: "boolean" } } });
      return listKeys(keysDir(values.config, context), values.json === true, context);
    }
    default:
      throw new UsageError(`expected init, allow, revoke or list${verb === undefined ? "" : `, got "${verb}"`}`);
  }
}

function keysDir(configPath: string | undefined, context: CommandContext): string {
  return keysDirOf(context.loadConfig(configPath, { needs: ["bus.keys"] }));
}

function checkName(verb: string, name: string): void {
  if (!CURVE_KEY_NAME_PATTERN.test(name))
    throw new UsageError(
      `${verb}: expected a NAME of 1 to 63 letters, digits, . _ - starting with a letter or digit, got ${JSON.stringify(name)}`,
    );
  if ((RESERVED as readonly string[]).includes(name.toLowerCase()))
    throw new UsageError(
      `${verb}: ${name} is reserved: router is the router's own pair, host this host's (always let in); name a machine, as in laptop or hall-pi`,
    );
}

/** A key given on the command line: 40 characters of Z85, or a certificate file (an existing file wins: Z85 has `.` and `/`). */
interface GivenKey {
  publicKey: string;
  file?: string;
}

function keyArgument(text: string): GivenKey | { refused: string } {
  if (existsSync(text)) {
    let content: string;
    try {
      content = readFileSync(text, "utf8");
    } catch (error) {
      return { refused: `cannot read ${text}: ${(error as Error).message}` };
    }
    if (/^\s*secret-key\s*=/m.test(content))
      return { refused: `${text} holds a secret key: give the public .key file (host.key), and keep the secret one where it is` };
    try {
      return { publicKey: readPublicKey(text), file: text };
    } catch (error) {
      if (error instanceof KeyFileError) return { refused: error.message };
      throw error;
    }
  }
  if (isZ85Key(text)) return { publicKey: text };
  throw new UsageError(
    `allow: expected a public key (40 characters of Z85, as in host.key's public-key line) or a .key file, got ${JSON.stringify(text)}${
      text.length === 40 ? "" : ` (${text.length} characters, no such file)`
    }`,
  );
}

function initKeys(dir: string, context: CommandContext): number {
  const { output } = context;
  const out = (line: string): void => output.out(line);
  const err = (line: string): void => output.err(line);
  const { command } = context.hints();
  makePrivateDir(dir, context);
  const problems: string[] = [];
  let isAnyMade = false;
  const pairs: Array<{ name: string; role: string; publicKey: string | undefined }> = [];

  for (const [name, role] of [
    [ROUTER_KEY, "the router's pair"],
    [HOST_KEY, "this host's pair"],
  ] as const) {
    const secret = secretKeyFile(dir, name);
    const pub = publicKeyFile(dir, name);
    if (!existsSync(secret) && !existsSync(pub)) {
      const pair = createKeyPair(dir, name);
      isAnyMade = true;
      out(`made ${role}: ${pub} (public) and ${path.basename(secret)} (secret, 0600)`);
      pairs.push({ name, role, publicKey: pair.publicKey });
      continue;
    }
    if (!existsSync(secret)) {
      if (name === ROUTER_KEY) {
        const publicKey = tryRead(() => readPublicKey(pub), problems);
        out(`kept ${pub} without a secret file: the router this host connects to, copied from its machine; no router pair made here`);
        pairs.push({ name, role: "the router this host connects to", publicKey });
      } else {
        problems.push(`${pub} is there without ${path.basename(secret)}: move it away, then run \`${command("keys init")}\` again`);
      }
      continue;
    }
    const pair = tryRead(() => readKeyPair(secret), problems);
    if (pair === undefined) continue;
    if (!existsSync(pub)) {
      problems.push(
        `${pub} is missing beside ${path.basename(secret)}: move ${path.basename(secret)} away and run \`${command("keys init")}\` again`,
      );
      continue;
    }
    const publicKey = tryRead(() => readPublicKey(pub), problems);
    if (publicKey === undefined) continue;
    if (publicKey === pair.publicKey) {
      out(`kept ${role}: ${pub} and ${path.basename(secret)} were there`);
      pairs.push({ name, role, publicKey });
    } else if (name === ROUTER_KEY) {
      out(`kept ${role} (${path.basename(secret)}); ${pub} is another router's, copied from the machine this host connects to`);
      pairs.push({ name, role: "the router this host connects to", publicKey });
    } else {
      problems.push(
        `${pub} is not ${path.basename(secret)}'s public key: the router would refuse this host's programs. Move both away and run \`${command("keys init")}\` again`,
      );
    }
  }

  if (pairs.length > 0) {
    out("");
    out(
      textTable([
        ["KEY", "FINGERPRINT", "PUBLIC KEY", "WHOSE"],
        ...pairs.map((pair) => [pair.name, fingerprintOf(pair.publicKey), pair.publicKey ?? "?", pair.role]),
      ]),
    );
  }
  if (isAnyMade && process.getuid?.() === 0)
    err(
      "roomguard keys init: note: made as root, the secret files are root's; a service running as another user cannot use them (on the Pi: sudo -u roomguard roomguard keys init)",
    );
  for (const problem of problems) err(`roomguard keys init: ${problem}`);
  if (problems.length > 0) return ExitCode.config;

  out("");
  out("Next:");
  out(
    `  - on each machine that connects to this router over the network: copy ${publicKeyFile(dir, ROUTER_KEY)} into its keys directory (bus.keys) as router.key`,
  );
  out(
    `  - then let that machine in: run \`roomguard keys init\` there, and here \`${command("keys allow NAME KEY")}\` with its host.key (the file or its public key).`,
  );
  out(`    ${APPLIES_AT_ONCE}`);
  return ExitCode.ok;
}

/** The keys directory, 0700: made so, or tightened when it holds nothing but keys. */
function makePrivateDir(dir: string, context: CommandContext): void {
  if (!existsSync(dir)) {
    mkdirSync(path.dirname(dir), { recursive: true });
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may have taken bits off, never added: this is for clarity
    context.output.out(`made ${dir} (0700)`);
    return;
  }
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw new KeyFileError(`${dir} (bus.keys) is not a directory`, dir);
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const others = readdirSync(dir).filter((entry) => !KEY_ENTRIES.test(entry));
  if (others.length === 0) {
    chmodSync(dir, 0o700);
    context.output.out(`made ${dir} private: 0700 (was ${mode.toString(8).padStart(3, "0")})`);
  } else {
    context.output.err(
      `roomguard keys init: warning: ${dir} is mode ${mode.toString(8).padStart(3, "0")} and holds other files (${others.slice(0, 3).join(", ")}): left as it is. Keys belong in a directory of their own (bus.keys); the secret files are 0600 all the same`,
    );
  }
}

function allowName(dir: string, name: string, given: GivenKey | { refused: string }, context: CommandContext): number {
  const { command } = context.hints();
  if ("refused" in given) return refuse(context, "allow", `${given.refused}: nothing was allowed`);
  if (!existsSync(dir))
    return refuse(context, "allow", `${dir} (bus.keys) does not exist: \`${command("keys init")}\` makes the keys first`);
  const { publicKey } = given;
  const own = [HOST_KEY, ROUTER_KEY].find((mine) => readQuietly(publicKeyFile(dir, mine)) === publicKey);
  if (own !== undefined)
    return refuse(
      context,
      "allow",
      own === HOST_KEY
        ? `that is this host's own key (${HOST_KEY}.key), always let in: give the other machine's host.key`
        : `that is the router's key (${ROUTER_KEY}.key), not a client's: give the other machine's host.key`,
    );
  const allowed = readAllowed(dir);
  const other = allowed.find((key) => key.publicKey === publicKey && key.name !== name);
  if (other !== undefined)
    return refuse(
      context,
      "allow",
      `that key is already allowed as ${other.name}: \`${command(`keys revoke ${other.name}`)}\` first to rename it`,
    );
  const before = allowed.find((key) => key.name === name);
  if (before?.publicKey === publicKey) {
    context.output.out(`${name} is already allowed with that key (${keyFingerprint(publicKey)}): nothing changed`);
    return ExitCode.ok;
  }
  allowKey(dir, name, publicKey);
  const from = given.file === undefined ? "" : ` from ${given.file}`;
  context.output.out(
    before === undefined
      ? `allowed ${name}: ${keyFingerprint(publicKey)}${from}, in ${publicKeyFile(allowedDir(dir), name)}`
      : `replaced ${name}'s key: ${keyFingerprint(publicKey)}${from} (was ${keyFingerprint(before.publicKey)}), in ${publicKeyFile(allowedDir(dir), name)}`,
  );
  context.output.out(before === undefined ? APPLIES_AT_ONCE : `${APPLIES_AT_ONCE} Connections with the old key are closed.`);
  return ExitCode.ok;
}

function revokeName(dir: string, name: string, context: CommandContext): number {
  const file = publicKeyFile(allowedDir(dir), name);
  const publicKey = readQuietly(file);
  if (!revokeKey(dir, name)) {
    const names = readAllowed(dir).map((key) => key.name);
    return refuse(
      context,
      "revoke",
      `${name} is not allowed (no ${file}): nothing was revoked. Allowed: ${names.length === 0 ? "none" : names.join(", ")}`,
    );
  }
  context.output.out(`revoked ${name}${publicKey === undefined ? "" : ` (${keyFingerprint(publicKey)})`}: removed ${file}`);
  context.output.out(`${APPLIES_AT_ONCE} ${name}'s open connections are closed.`);
  return ExitCode.ok;
}

interface ListedKey {
  publicKey: string;
  fingerprint: string;
  file: string;
}

function listKeys(dir: string, json: boolean, context: CommandContext): number {
  const { output } = context;
  const out = (line: string): void => output.out(line);
  const err = (line: string): void => output.err(line);
  const { command } = context.hints();
  const problems: string[] = [];
  const listed = (publicKey: string, file: string): ListedKey => ({ publicKey, fingerprint: keyFingerprint(publicKey), file });

  // The router: router.key is what this host's programs connect to; its own pair when router.key_secret matches.
  let router: (ListedKey & { isOwnPair: boolean }) | null = null;
  const routerPub = publicKeyFile(dir, ROUTER_KEY);
  const routerSecret = secretKeyFile(dir, ROUTER_KEY);
  const routerPair = existsSync(routerSecret) ? tryRead(() => readKeyPair(routerSecret), problems) : undefined;
  const routerKey = existsSync(routerPub) ? tryRead(() => readPublicKey(routerPub), problems) : undefined;
  if (routerKey !== undefined) router = { ...listed(routerKey, routerPub), isOwnPair: routerKey === routerPair?.publicKey };
  else if (routerPair !== undefined) router = { ...listed(routerPair.publicKey, routerSecret), isOwnPair: true };

  let host: ListedKey | null = null;
  const hostSecret = secretKeyFile(dir, HOST_KEY);
  const hostPub = publicKeyFile(dir, HOST_KEY);
  const hostPair = existsSync(hostSecret) ? tryRead(() => readKeyPair(hostSecret), problems) : undefined;
  const hostKey = existsSync(hostPub) ? tryRead(() => readPublicKey(hostPub), problems) : undefined;
  if (hostPair !== undefined) {
    host = listed(hostPair.publicKey, hostKey === undefined ? hostSecret : hostPub);
    if (hostKey !== undefined && hostKey !== hostPair.publicKey)
      problems.push(`${hostPub} is not ${path.basename(hostSecret)}'s public key: the router would refuse this host's programs`);
  } else if (hostKey !== undefined) host = listed(hostKey, hostPub);

  const allowed = readAllowed(dir, (error) => problems.push(`${error.message} (the router leaves it out)`)).map((key) => ({
    name: key.name,
    ...listed(key.publicKey, publicKeyFile(allowedDir(dir), key.name)),
  }));

  if (json) {
    out(JSON.stringify({ dir, router, host, allowed, problems }));
  } else {
    out(`keys in ${dir}`);
    const none = `none: \`${command("keys init")}\` makes it`;
    out(
      textTable([
        ["KEY", "FINGERPRINT", "PUBLIC KEY", "WHOSE"],
        router
          ? [
              ROUTER_KEY,
              router.fingerprint,
              router.publicKey,
              router.isOwnPair ? "this machine's router" : "the router this host connects to (copied)",
            ]
          : [ROUTER_KEY, "-", none],
        host ? [HOST_KEY, host.fingerprint, host.publicKey, "this host's programs (always let in)"] : [HOST_KEY, "-", none],
      ]),
    );
    out("");
    if (allowed.length === 0) out(`allowed: none (\`${command("keys allow NAME KEY")}\` lets another machine in)`);
    else {
      out(`allowed (${allowed.length}):`);
      out(textTable([["NAME", "FINGERPRINT", "PUBLIC KEY"], ...allowed.map((key) => [key.name, key.fingerprint, key.publicKey])]));
    }
    out("A running router follows allowed/: `keys allow` and `keys revoke` apply at once.");
  }
  for (const problem of problems) err(`roomguard keys list: ${problem}`);
  return problems.length > 0 ? ExitCode.config : ExitCode.ok;
}

function fingerprintOf(publicKey: string | undefined): string {
  return publicKey === undefined ? "?" : keyFingerprint(publicKey);
}

/** The value, or undefined with the KeyFileError's message added to `problems`. */
function tryRead<T>(read: () => T, problems: string[]): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

function readQuietly(file: string): string | undefined {
  try {
    return readPublicKey(file);
  } catch {
    return undefined;
  }
}

function refuse(context: CommandContext, verb: string, message: string): number {
  context.output.err(`roomguard keys ${verb}: ${message}`);
  return ExitCode.failure;
}
