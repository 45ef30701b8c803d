// The alarm's state on disk: the one piece of state that must survive a crash or a power cut
// (docs/alarm.md). A save is durable before it returns, so the service acknowledges a change
// only once it would survive; a bad file is never read as "disarmed".
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { Logger } from "@roomguard/runtime";
import { codeOf, fsyncDir, letGroupRead, makeStateDir, messageOf, storageError } from "./state-dir.js";
import type { AlarmState } from "./types.js";

/** The current state. */
export const STATE_FILE = "state.json";
/** The state before the last save: used when the current file is torn or corrupt. */
export const PREVIOUS_STATE_FILE = "state.prev.json";
/** Where a save is written before it is renamed into place. */
const TMP_FILE = "state.json.tmp";
/** A bad current file is renamed to this prefix plus the ISO time, and kept. */
const ASIDE_PREFIX = "state.json.corrupt-";
/** A state file is a few hundred bytes; anything this big is not one (and is not read into memory). */
export const MAX_STATE_FILE_BYTES = 1024 * 1024;

/** What {@link StateFile.load} found. */
export type LoadResult =
  /** A good state: from state.json, or from state.prev.json when state.json was missing or bad (`problems` says why). */
  | { kind: "ok"; state: AlarmState; seq: number; from: "current" | "previous"; problems?: string[] }
  /** Neither state.json nor state.prev.json exists (nor a file set aside as corrupt): the alarm starts disarmed. */
  | { kind: "first-start" }
  /** Files exist but none is readable: the alarm starts as `alarm.onCorruptState` says, never disarmed. */
  | { kind: "corrupt"; problems: string[] };

/** The alarm's state file in one directory. Sync I/O: a change is acknowledged only after it is stored. */
export interface StateFile {
  /**
   * Reads state.json, or state.prev.json when state.json is missing, torn or invalid. A bad
   * state.json is renamed to `state.json.corrupt-<ISO time>` (never deleted).
   */
  load(): LoadResult;
  /**
   * Stores a state durably: tmp file (mode 0600), fsync, state.json → state.prev.json,
   * tmp → state.json, fsync of the directory; the sequence number goes up by one.
   * Throws (naming the file and the cause: EACCES, EROFS, ENOSPC…) when it could not store it,
   * or when the state is not a valid {@link AlarmState}; the last stored state is then intact.
   */
  save(state: AlarmState): void;
}

/**
 * Opens the state file in `dir`, creating the directory mode 0750 if it is missing (its group
 * reads the audit trail there; state.json stays 0600), or giving an existing 0700 one the
 * group's read and search. Never throws: a directory it cannot create (a read-only disk) is
 * logged, loads as a first start, and each save tries to create it again, throwing if it cannot.
 */
export function openStateFile(dir: string, log?: Logger): StateFile {
  let dirMade = false;
  try {
    makeStateDir(dir);
    dirMade = true;
  } catch (error) {
    log?.error(`cannot create the alarm's state directory ${dir}: ${messageOf(error)}`, { code: codeOf(error) });
  }
  letGroupRead(dir, log);
  const current = path.join(dir, STATE_FILE);
  const previous = path.join(dir, PREVIOUS_STATE_FILE);
  const tmp = path.join(dir, TMP_FILE);
  // The last sequence number stored; unknown until load() or the first save() reads the files.
  let seq: number | undefined;

  function load(): LoadResult {
    const problems: string[] = [];
    const fromCurrent = readStateFile(current);
    if (fromCurrent.kind === "ok") {
      seq = fromCurrent.seq;
      return { kind: "ok", state: fromCurrent.state, seq: fromCurrent.seq, from: "current" };
    }
    if (fromCurrent.kind === "bad") {
      const aside = setAside(dir, current);
      problems.push(`${STATE_FILE}: ${fromCurrent.why}; ${aside.ok ? `kept as ${aside.name}` : `could not be set aside (${aside.why})`}`);
    }
    const fromPrevious = readStateFile(previous);
    if (fromPrevious.kind === "ok") {
      seq = fromPrevious.seq;
      if (problems.length > 0) log?.error("the alarm state file was bad: using the previous copy", { dir, problems });
      return {
        kind: "ok",
        state: fromPrevious.state,
        seq: fromPrevious.seq,
        from: "previous",
        ...(problems.length > 0 ? { problems } : {}),
      };
    }
    if (fromPrevious.kind === "bad") problems.push(`${PREVIOUS_STATE_FILE}: ${fromPrevious.why}`);
    seq = 0;
    if (problems.length === 0) {
      // A file set aside by an earlier start and nothing stored since: still not a first start.
      const earlier = setAsideFiles(dir);
      if (earlier.length === 0) {
        log?.info("no alarm state file: first start, disarmed", { dir });
        return { kind: "first-start" };
      }
      problems.push(`no ${STATE_FILE} or ${PREVIOUS_STATE_FILE}, and an earlier one was set aside as corrupt (${earlier.join(", ")})`);
    }
    log?.error("no readable alarm state file", { dir, problems });
    return { kind: "corrupt", problems };
  }

  function save(state: AlarmState): void {
    const stateProblems = checkAlarmState(state);
    if (stateProblems.length > 0) throw new Error(`refusing to store an invalid alarm state: ${stateProblems.join("; ")}`);
    const next = (seq ?? lastStoredSeq(current, previous)) + 1;
    const text = encodeStateFile(state, next);
    if (Buffer.byteLength(text) > MAX_STATE_FILE_BYTES)
      throw new Error(`refusing to store an alarm state larger than ${MAX_STATE_FILE_BYTES} bytes`);
    let step = dir;
    try {
      if (!dirMade) makeStateDir(dir);
      dirMade = true;
      step = tmp;
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      try {
        fchmodSync(fd, 0o600); // O_CREAT's mode does not apply to a tmp file left by a crash
        writeAll(fd, Buffer.from(text));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      step = current;
      renameIfExists(current, previous);
      renameSync(tmp, current);
      step = dir;
      fsyncDir(dir);
    } catch (error) {
      throw storageError(`cannot store the alarm state in ${step}`, error);
    }
    seq = next;
  }

  return { load, save };
}

/** The file's text: `{"v":1,"seq":N,"state":…,"sha256":hex of JSON.stringify(state)+seq}`, no trailing newline (so every prefix is invalid). */
export function encodeStateFile(state: AlarmState, seq: number): string {
  return JSON.stringify({ v: 1, seq, state, sha256: digest(state, seq) });
}

type ReadResult = { kind: "ok"; state: AlarmState; seq: number } | { kind: "missing" } | { kind: "bad"; why: string };

function readStateFile(file: string): ReadResult {
  let bytes: Buffer;
  try {
    const fd = openSync(file, "r");
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_STATE_FILE_BYTES) return { kind: "bad", why: `${size} bytes, more than a state file can be` };
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (codeOf(error) === "ENOENT") return { kind: "missing" };
    return { kind: "bad", why: `cannot read it (${messageOf(error)})` };
  }
  return decodeStateFile(bytes.toString("utf8"));
}

/** Checks a state file's text: envelope, version, sequence number, checksum, then the state's shape. */
export function decodeStateFile(text: string): { kind: "ok"; state: AlarmState; seq: number } | { kind: "bad"; why: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: "bad", why: `torn or not JSON (${messageOf(error)})` };
  }
  if (!isPlainObject(parsed)) return { kind: "bad", why: `expected a JSON object, got ${describe(parsed)}` };
  const keys = Object.keys(parsed).sort().join(",");
  if (keys !== "seq,sha256,state,v") return { kind: "bad", why: `expected the keys v, seq, state, sha256, got ${keys || "none"}` };
  const { v, seq, state, sha256 } = parsed;
  if (v !== 1) return { kind: "bad", why: `expected version 1, got ${describe(v)}` };
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1)
    return { kind: "bad", why: `expected seq a whole number ≥ 1, got ${describe(seq)}` };
  if (typeof sha256 !== "string" || sha256 !== digest(state, seq)) return { kind: "bad", why: "the sha256 does not match the state" };
  const problems = checkAlarmState(state);
  if (problems.length > 0) return { kind: "bad", why: `not an alarm state: ${problems.join("; ")}` };
  return { kind: "ok", state: state as AlarmState, seq };
}

function digest(state: unknown, seq: number): string {
  return createHash("sha256")
    .update(JSON.stringify(state) + String(seq))
    .digest("hex");
}

/** The highest sequence number of a good state.json or state.prev.json (0 without one), read without moving anything. */
function lastStoredSeq(current: string, previous: string): number {
  let last = 0;
  for (const file of [current, previous]) {
    const read = readStateFile(file);
    if (read.kind === "ok") last = Math.max(last, read.seq);
  }
  return last;
}

function setAside(dir: string, file: string): { ok: true; name: string } | { ok: false; why: string } {
  const stamp = new Date().toISOString();
  const taken = new Set(readdirSafe(dir));
  let name = `${ASIDE_PREFIX}${stamp}`;
  for (let n = 1; taken.has(name); n++) name = `${ASIDE_PREFIX}${stamp}-${n}`;
  try {
    renameSync(file, path.join(dir, name));
    fsyncDir(dir);
    return { ok: true, name };
  } catch (error) {
    return { ok: false, why: messageOf(error) };
  }
}

function setAsideFiles(dir: string): string[] {
  return readdirSafe(dir)
    .filter((name) => name.startsWith(ASIDE_PREFIX))
    .sort();
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    // No state.json: the first save, or the current file was set aside as corrupt.
    if (codeOf(error) !== "ENOENT") throw error;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}

// ---- the state's shape: every field of AlarmState with its type, and nothing else ----

const STATE_NAMES: ReadonlySet<unknown> = new Set([
  "disarmed",
  "arming",
  "armed_away",
  "armed_home",
  "armed_night",
  "pending",
  "triggered",
]);
const MODES: ReadonlySet<unknown> = new Set(["away", "home", "night"]);
const STATE_KEYS = ["bypassed", "changedBy", "endsAt", "lockout", "memory", "mode", "open", "state", "triggeredAt", "triggers", "troubles"];

/** Problems with a value that should be an {@link AlarmState}, as "field: expected …, got …"; empty when it is one. */
export function checkAlarmState(value: unknown): string[] {
  if (!isPlainObject(value)) return [`expected an object, got ${describe(value)}`];
  const problems: string[] = [];
  const check = (field: string, ok: boolean, expected: string, got: unknown): void => {
    if (!ok) problems.push(`${field}: expected ${expected}, got ${describe(got)}`);
  };
  for (const key of Object.keys(value)) if (!STATE_KEYS.includes(key)) problems.push(`${key}: unknown field`);
  for (const key of STATE_KEYS) if (!Object.hasOwn(value, key)) problems.push(`${key}: missing`);
  const { state, mode, endsAt, triggeredAt, changedBy, bypassed, triggers, memory, lockout, open, troubles } = value;
  check("state", STATE_NAMES.has(state), "a state name", state);
  check("mode", mode === null || MODES.has(mode), "away, home, night or null", mode);
  check("endsAt", isTimeOrNull(endsAt), "epoch ms or null", endsAt);
  check("triggeredAt", isTimeOrNull(triggeredAt), "epoch ms or null", triggeredAt);
  check("changedBy", typeof changedBy === "string", "a string", changedBy);
  check("bypassed", isStrings(bypassed), "an array of strings", bypassed);
  check("memory", isStrings(memory), "an array of strings", memory);
  check("open", isStrings(open), "an array of strings", open);
  check("triggers", isRecordOf(triggers, isCount), "{zone: count}", triggers);
  check(
    "troubles",
    isRecordOf(troubles, (why) => typeof why === "string"),
    "{zone: why}",
    troubles,
  );
  if (!isPlainObject(lockout)) check("lockout", false, "{failures, until}", lockout);
  else {
    const keys = Object.keys(lockout).sort().join(",");
    check("lockout", keys === "failures,until", "the keys failures, until", keys);
    check("lockout.failures", isCount(lockout.failures), "a whole number ≥ 0", lockout.failures);
    check("lockout.until", isTimeOrNull(lockout.until), "epoch ms or null", lockout.until);
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTimeOrNull(value: unknown): boolean {
  return value === null || (typeof value === "number" && Number.isFinite(value));
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isStrings(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isRecordOf(value: unknown, ok: (item: unknown) => boolean): boolean {
  return isPlainObject(value) && Object.values(value).every(ok);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? typeof value; // a function or a symbol
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
