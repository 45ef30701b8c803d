// Codes are hashed with node:crypto's scrypt: part of Node itself (OpenSSL's EVP_PBE_scrypt),
// maintained with it, no native addon to build on a Pi and no dependency to audit. It runs on
// libuv's thread pool, so several checks of one typed code proceed at once off the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt's cost parameters: N (CPU and memory, a power of two), r (block size), p (parallelism). */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * The cost {@link hashSecret} uses by default: N = 2^10, r = 8, p = 1 (1 MiB of memory per hash).
 *
 * Measured here (one core of an AMD EPYC VM, Node 20, r = 8, p = 1): `crypto.scryptSync` N = 2^11
 * 3.9 ms, 2^12 7.8 ms, 2^13 15.7 ms, 2^14 32 ms (median of 20); asynchronously, one check at
 * N = 2^10 3.0 ms and six at once (three users with a duress code each: every code is checked
 * against all of them) 8.8 ms, at 2^11 4.7 and 17.1 ms (p50 of 60) on this machine's two cores.
 * "Code entry → armed state published" must stay within 30 ms at p99 here (the alarm's
 * benchmark): at 2^11 it came to 30.3 ms over 1,000 codes, hence 2^10.
 *
 * On a Pi Zero 2 W, estimated, not measured: assuming its Cortex-A53 at 1 GHz is 8-10x slower
 * than one core here for scrypt, one hash costs ~16-20 ms, and six hashes on its four cores
 * ~35-45 ms: unnoticeable after a key press.
 *
 * What the hash buys: a 4-6 digit code falls to an offline search whatever the cost (10^6 codes
 * x 2 ms ≈ 35 core-minutes here), so the codes' protection is the config file's permissions
 * and the alarm's lockout. The hash keeps codes out of plain sight (a config shown on screen, a
 * backup, a bug report) and makes every guess at a longer code cost a full scrypt.
 */
export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

/**
 * Largest parameters accepted, in a stored hash or for {@link hashSecret}: the memory scrypt
 * takes is 128·r·(N + p + 2) bytes, so a crafted hash in the config cannot make a check
 * allocate more than ~64 MiB (N = 2^16, r = 8) nor spin for long (p ≤ 4): the alarm checks up to four at
 * once on libuv's pool, and a Pi Zero 2 W has 512 MB.
 */
const MAX_N = 2 ** 16;
const MAX_R = 8;
const MAX_P = 4;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Lengths accepted in a stored hash: what we write, and room for a longer salt or key. */
const MIN_STORED_BYTES = 16;
const MAX_STORED_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A stored hash that is not one {@link verifySecret} can check (never carries the secret). */
export class SecretFormatError extends Error {
  readonly code = "ESECRETFORMAT";
  constructor(message: string) {
    super(message);
    this.name = "SecretFormatError";
  }
}

/**
 * Hashes `secret` with scrypt and a fresh random 16-byte salt, as
 * `scrypt$N$r$p$<salt base64>$<32-byte hash base64>`: the form `alarm.users[].pin` takes.
 * Two hashes of one secret differ. `cost` defaults to {@link DEFAULT_SCRYPT_COST}; rejects with
 * a {@link SecretFormatError} for a cost outside N = 2..2^16 (a power of two), r = 1..8, p = 1..4.
 */
export async function hashSecret(secret: string, cost: Partial<ScryptCost> = {}): Promise<string> {
  const { N, r, p } = { ...DEFAULT_SCRYPT_COST, ...cost };
  const problem = costProblem(N, r, p);
  if (problem) throw new SecretFormatError(`hashSecret: ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, KEY_BYTES, { N, r, p });
  return ["scrypt", N, r, p, salt.toString("base64"), key.toString("base64")].join("$");
}

/**
 * Whether `secret` is the one `stored` (from {@link hashSecret}) was made from, compared in
 * constant time. Rejects with a {@link SecretFormatError} when `stored` is malformed or its
 * parameters are out of bounds (see {@link hashSecret}): checked before any memory is taken.
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const { cost, salt, key } = parseStored(stored);
  const derived = await derive(secret, salt, key.length, cost);
  return timingSafeEqual(derived, key);
}

/** Why `stored` is no hash {@link verifySecret} takes (a config check names it at once), or undefined. */
export function storedSecretProblem(stored: string): string | undefined {
  try {
    parseStored(stored);
    return undefined;
  } catch (error) {
    if (error instanceof SecretFormatError) return error.message;
    throw error;
  }
}

/** The parts of a stored hash, checked; the message never quotes the hash (it may be a mistyped code). */
function parseStored(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } {
  const fail = (why: string): SecretFormatError =>
    new SecretFormatError(`not a code hash of the form scrypt$N$r$p$salt$hash (written by \`roomguard alarm add-user\`): ${why}`);
  if (typeof stored !== "string") throw fail(`expected a string, got ${typeof stored}`);
  const parts = stored.split("$");
  if (parts.length !== 6) throw fail(`expected 6 fields separated by $, got ${parts.length}`);
  const [scheme, nText, rText, pText, saltText, keyText] = parts as [string, string, string, string, string, string];
  if (scheme !== "scrypt") throw fail(`expected the scheme "scrypt"`);
  const [N, r, p] = [nText, rText, pText].map((text) => (/^[1-9]\d{0,9}$/.test(text) ? Number(text) : NaN)) as [number, number, number];
  const problem = costProblem(N, r, p);
  if (problem) throw fail(problem);
  const salt = base64Bytes(saltText);
  const key = base64Bytes(keyText);
  if (salt === undefined) throw fail(`expected the salt as base64 of ${MIN_STORED_BYTES} to ${MAX_STORED_BYTES} bytes`);
  if (key === undefined) throw fail(`expected the hash as base64 of ${MIN_STORED_BYTES} to ${MAX_STORED_BYTES} bytes`);
  return { cost: { N, r, p }, salt, key };
}

/** Why a cost is refused, or undefined. */
function costProblem(N: number, r: number, p: number): string | undefined {
  const whole = (value: number, max: number): boolean => Number.isInteger(value) && value >= 1 && value <= max;
  if (!whole(N, MAX_N) || N < 2 || (N & (N - 1)) !== 0) return `expected N to be a power of two from 2 to 2^${Math.log2(MAX_N)}, got ${N}`;
  if (!whole(r, MAX_R)) return `expected r from 1 to ${MAX_R}, got ${r}`;
  if (!whole(p, MAX_P)) return `expected p from 1 to ${MAX_P}, got ${p}`;
  return undefined;
}

/** Canonical base64 of an accepted length, decoded; undefined otherwise (Buffer.from would skip junk silently). */
function base64Bytes(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length > 4 * Math.ceil(MAX_STORED_BYTES / 3)) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return bytes.length >= MIN_STORED_BYTES && bytes.length <= MAX_STORED_BYTES ? bytes : undefined;
}

function derive(secret: string, salt: Buffer, length: number, cost: ScryptCost): Promise<Buffer> {
  // Exactly what OpenSSL needs (V: 128·r·(N+2), B: 128·r·p): within the bounds above, never Node's
  // 32 MiB default, which would refuse a legitimate larger cost.
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.r * (cost.N + cost.p + 2) };
  return new Promise((resolve, reject) => scrypt(secret, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}
