import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curveKeyPair } from "zeromq";

/**
 * CURVE keys as files, in the certificate format of czmq's zcert and pyzmq's `zmq.auth`
 * (`NAME.key` holds the public key, `NAME.key_secret` both), so a lala-pi-era Python client
 * loads them with `zmq.auth.load_certificate` as they are. The keys directory (config
 * `bus.keys`) holds:
 *
 * - `router.key`, `router.key_secret`: the router's pair; clients need the public one;
 * - `host.key`, `host.key_secret`: this host's programs' pair (services, CLI, launcher, bridge);
 * - `allowed/NAME.key`: the public keys of other clients the router lets in (a remote Pi's
 *   bridge, a laptop's `roomguard tap`); `host` is always allowed.
 */

/** A CURVE key pair, each key 40 characters of Z85. */
export interface CurvePair {
  publicKey: string;
  secretKey: string;
}

/** A public key the router lets in. */
export interface AllowedKey {
  name: string;
  publicKey: string;
}

/** A key file that cannot be used; the message says which and how to fix it. */
export class KeyFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "KeyFileError";
  }
}

export const ROUTER_KEY = "router";
export const HOST_KEY = "host";
const ALLOWED_DIR = "allowed";
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;
/** A name on the allow-list: a file name, and a word in logs. */
export const KEY_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/i;

export function isZ85Key(text: string): boolean {
  return Z85_KEY.test(text);
}

const Z85_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Z85 of a 32-byte key, as ZAP hands keys over raw. */
export function z85Encode(bytes: Buffer): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 encodes whole 4-byte groups, got ${bytes.length} bytes`);
  let text = "";
  for (let at = 0; at < bytes.length; at += 4) {
    let value = bytes.readUInt32BE(at);
    let group = "";
    for (let i = 0; i < 5; i++) {
      group = Z85_CHARS.charAt(value % 85) + group;
      value = Math.floor(value / 85);
    }
    text += group;
  }
  return text;
}

/** What logs show instead of a key: enough to tell keys apart, nothing to use. */
export function keyFingerprint(publicKey: string): string {
  return `sha256:${createHash("sha256").update(publicKey).digest("hex").slice(0, 16)}`;
}

export function publicKeyFile(dir: string, name: string): string {
  return path.join(dir, `${name}.key`);
}

export function secretKeyFile(dir: string, name: string): string {
  return path.join(dir, `${name}.key_secret`);
}

export function allowedDir(dir: string): string {
  return path.join(dir, ALLOWED_DIR);
}

/** The public key in a certificate file. */
export function readPublicKey(file: string): string {
  return parseCertificate(readKeyText(file), file).publicKey;
}

/**
 * A key pair from its secret certificate file. The file must be this user's and readable by
 * nobody else: a secret key others can read is no secret, so it is refused with the fix.
 */
export function readKeyPair(file: string): CurvePair {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw missing(file, error);
  }
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, "0");
    throw new KeyFileError(`${file} is readable by others (mode ${mode}): a secret key must be private. Fix: chmod 600 ${file}`, file);
  }
  if (typeof process.getuid === "function" && stats.uid !== process.getuid()) {
    throw new KeyFileError(
      `${file} belongs to uid ${stats.uid}, not to this user (uid ${process.getuid()}). Run as its owner, or: chown $(id -un) ${file}`,
      file,
    );
  }
  const parsed = parseCertificate(readKeyText(file), file);
  if (parsed.secretKey === undefined) throw new KeyFileError(`${file} has no secret-key line: is it the public .key file?`, file);
  return { publicKey: parsed.publicKey, secretKey: parsed.secretKey };
}

/**
 * Writes `NAME.key` (0644) and `NAME.key_secret` (0600) for a new pair; refuses to replace one,
 * or a lone `NAME.key` (on a client machine, `router.key` is the remote router's, copied there).
 */
export function createKeyPair(dir: string, name: string, now = new Date()): CurvePair {
  const secret = secretKeyFile(dir, name);
  if (existsSync(secret)) throw new KeyFileError(`${secret} exists: a new pair would lock out everyone who trusts it`, secret);
  const lone = publicKeyFile(dir, name);
  if (existsSync(lone)) throw new KeyFileError(`${lone} exists without its secret file: a new pair would replace that public key`, lone);
  const pair = curveKeyPair();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeCertificate(secretKeyFile(dir, name), name, pair, 0o600, now);
  writeCertificate(publicKeyFile(dir, name), name, { publicKey: pair.publicKey }, 0o644, now);
  return pair;
}

/** Adds (or replaces) `allowed/NAME.key`. */
export function allowKey(dir: string, name: string, publicKey: string, now = new Date()): void {
  checkName(name);
  if (!isZ85Key(publicKey)) throw new KeyFileError(`not a CURVE public key: expected 40 characters of Z85`, publicKey);
  mkdirSync(allowedDir(dir), { recursive: true, mode: 0o755 });
  writeCertificate(publicKeyFile(allowedDir(dir), name), name, { publicKey }, 0o644, now);
}

/** Removes `allowed/NAME.key`; false when there was none. */
export function revokeKey(dir: string, name: string): boolean {
  checkName(name);
  try {
    unlinkSync(publicKeyFile(allowedDir(dir), name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * The allow-list: every `allowed/*.key`, by name. A file that is not a certificate is reported
 * through `onBad` and left out, so one bad file does not lock every client out.
 */
export function readAllowed(dir: string, onBad: (error: KeyFileError) => void = () => undefined): AllowedKey[] {
  let names: string[];
  try {
    names = readdirSync(allowedDir(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const keys: AllowedKey[] = [];
  for (const entry of names.sort()) {
    if (!entry.endsWith(".key")) continue;
    try {
      keys.push({ name: entry.slice(0, -".key".length), publicKey: readPublicKey(path.join(allowedDir(dir), entry)) });
    } catch (error) {
      if (error instanceof KeyFileError) onBad(error);
      else throw error;
    }
  }
  return keys;
}

function checkName(name: string): void {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new KeyFileError(`not a key name: ${JSON.stringify(name)} (letters, digits, '.', '_', '-'; up to 63)`, name);
  }
}

function readKeyText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw missing(file, error);
  }
}

function missing(file: string, error: unknown): KeyFileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new KeyFileError(`${file} does not exist: \`roomguard keys init\` creates the keys`, file);
  if (code === "EACCES") return new KeyFileError(`${file}: permission denied (it is the service user's: run as that user)`, file);
  return new KeyFileError(`${file}: ${(error as Error).message}`, file);
}

function parseCertificate(text: string, file: string): { publicKey: string; secretKey?: string } {
  const value = (key: string): string | undefined => new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"\\s*$`, "m").exec(text)?.[1];
  const publicKey = value("public-key");
  const secretKey = value("secret-key");
  if (publicKey === undefined || !isZ85Key(publicKey)) {
    throw new KeyFileError(`${file} is not a CURVE certificate: no public-key = "<40 characters of Z85>" line`, file);
  }
  if (secretKey !== undefined && !isZ85Key(secretKey)) throw new KeyFileError(`${file}: its secret-key is not 40 characters of Z85`, file);
  return secretKey === undefined ? { publicKey } : { publicKey, secretKey };
}

/** czmq's zcert layout, which pyzmq's zmq.auth.load_certificate reads. Written aside, then renamed: never half a key. */
function writeCertificate(file: string, name: string, keys: { publicKey: string; secretKey?: string }, mode: number, now: Date): void {
  const kind = keys.secretKey === undefined ? "Public" : "SECRET";
  const lines = [
    `#   ****  Generated on ${now.toISOString()} by roomguard keys  ****`,
    `#   ZeroMQ CURVE ${kind} Certificate`,
    keys.secretKey === undefined
      ? "#   Exchange securely, or use a secure mechanism to verify the contents of this file after exchange."
      : "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
    "",
    "metadata",
    `    name = "${name}"`,
    "curve",
    `    public-key = "${keys.publicKey}"`,
    ...(keys.secretKey === undefined ? [] : [`    secret-key = "${keys.secretKey}"`]),
    "",
  ];
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, lines.join("\n"), { mode, flag: "wx" });
  chmodSync(aside, mode); // the umask may have taken bits off
  renameSync(aside, file);
}
