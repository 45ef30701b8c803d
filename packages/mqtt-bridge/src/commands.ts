import { controlMessage, MessageError, RequestError } from "@roomguard/bus";
import type { Clock, Logger } from "@roomguard/runtime";
import { baseTopic, type Publication } from "./publication.js";

/** Largest command payload taken, in bytes: a command with a code and a few zones is far below it. */
export const DEFAULT_MAX_COMMAND_BYTES = 1024;
/** Commands waiting per topic behind the one in flight; more are answered `busy`. */
export const DEFAULT_MAX_QUEUED = 4;

/** The alarm's request commands the bridge sends (docs/protocol.md, "The alarm's commands"). */
export type AlarmRequestCommand = "arm" | "disarm" | "bypass" | "panic";

/**
 * A command's outcome, as `<base>/alarm/event` says it: `accepted`; `wrong_code` (the alarm
 * refused the code, lockout included once a wrong code locked it); `refused` (open zones, locked
 * out, a mode not configured…: the reason says); `invalid` (the payload, or the alarm's
 * `bad-request`); `unavailable` (the alarm does not answer); `busy` (too many commands waiting);
 * `failed` (anything else).
 */
export type CommandResult = "accepted" | "wrong_code" | "refused" | "invalid" | "unavailable" | "busy" | "failed";

/** A command name as Alarmo and Home Assistant spell it (lower case), the only text of a payload ever repeated. */
export const ALARM_COMMAND_NAMES = [
  "arm_away",
  "arm_home",
  "arm_night",
  "disarm",
  "bypass",
  "panic",
  "trigger",
  "arm_vacation",
  "arm_custom_bypass",
] as const;
export type AlarmCommandName = (typeof ALARM_COMMAND_NAMES)[number];

/** What `<base>/alarm/event` carries for a command: never the code. */
export interface CommandResultEvent {
  kind: "command";
  /** The command's name when it was one of {@link ALARM_COMMAND_NAMES}, else null (its text is never repeated). */
  command: AlarmCommandName | null;
  result: CommandResult;
  /** Why, when not accepted: the alarm's words or the bridge's. */
  reason?: string;
  /** ISO time. */
  at: string;
}

/** A `<base>/alarm/set` payload read: the request to send, or why not (no code in either). */
export type ParsedAlarmCommand =
  | { ok: true; command: AlarmCommandName; request: AlarmRequestCommand; args: Record<string, unknown> }
  | { ok: false; command: AlarmCommandName | null; reason: string };

/** The music player's playback commands (docs/protocol.md, MUSIC). */
export const MUSIC_COMMANDS = ["PLAY", "PAUSE", "TOGGLE", "NEXT", "PREVIOUS", "VOLUME"] as const;
export type MusicCommand = (typeof MUSIC_COMMANDS)[number];

export type ParsedMusicCommand = { ok: true; command: MusicCommand; args?: { volume: number } } | { ok: false; reason: string };

export interface CommandsOptions {
  /** `mqtt.baseTopic`. */
  baseTopic: string;
  /**
   * One request to the alarm's request socket (`request(alarm.requests, command, args)` of
   * @roomguard/bus): rejects with its RequestError. `args` carry `source: "homeassistant"` and
   * `via: "mqtt"`, and the code: pass them there and nowhere else.
   */
  alarm(command: AlarmRequestCommand, args: Record<string, unknown>): Promise<unknown>;
  /** Publishes a message on the bus (`CONTROL: music-player …`). */
  publishBus(text: string): Promise<void>;
  /** Publishes on MQTT (results on `<base>/alarm/event`). Must not throw. */
  publish(publication: Publication): void;
  clock: Clock;
  log: Logger;
  /** Largest payload taken, in bytes. Default 1024. */
  maxPayloadBytes?: number;
  /** Commands waiting per topic behind the one in flight; more are `busy`. Default 4. */
  maxQueued?: number;
}

/** Longest reason published: the alarm's are one line. */
const MAX_REASON = 200;
/** Longest code passed on: the alarm's own limit (a longer one is no code of ours). */
const MAX_CODE = 64;
const MAX_ZONES = 256;
const MAX_ZONE_NAME = 64;
const ARM_MODES: Partial<Record<AlarmCommandName, string>> = { arm_away: "away", arm_home: "home", arm_night: "night" };
/** Alarmo's keys for the command and for the code, in the order it looks for them (keys compared in lower case). */
const COMMAND_KEYS = ["command", "cmd", "action", "state"];
const CODE_KEYS = ["code", "pin", "password", "pincode"];
/** Keys that ask to bypass the zones open or in trouble: Alarmo's `bypass_open_sensors` and `force`, and `bypass_open`. */
const BYPASS_OPEN_KEYS = ["bypass_open_sensors", "force", "bypass_open"];
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a `<base>/alarm/set` payload, in every form Alarmo's MQTT command topic takes and Home
 * Assistant's plain payloads:
 *
 * - plain text, case-insensitive: `ARM_AWAY`, `ARM_HOME`, `ARM_NIGHT`, `DISARM` (these need a
 *   code, so plain they are refused as `invalid`, saying to send JSON — Home Assistant does with
 *   the discovery's `command_template`), `TRIGGER` (→ panic, no code);
 * - a JSON object (keys case-insensitive): the command in `command`, `cmd`, `action` or `state`
 *   (Alarmo's order); the code, a string, in `code`, `pin`, `password` or `pincode`; names
 *   `arm_away`, `arm_home`, `arm_night`, `disarm`, `trigger`/`panic`, and `bypass` with
 *   `zones: [names]`; on arm, `bypass_open_sensors: true` or `force: true` (Alarmo) or
 *   `bypass_open: true` bypass every zone open or in trouble, and `bypass: true | [names]` is the
 *   alarm's own form. Alarmo's `skip_delay` is ignored (the exit delay runs: the safe side);
 *   an `area` is refused (one area here); `arm_vacation` and `arm_custom_bypass` are refused
 *   (no such modes).
 *
 * A code that is a number is refused, as Alarmo does (a leading zero would be lost). Nothing of
 * the payload but a known command's name is ever repeated in a reason.
 */
export function parseAlarmCommand(text: string): ParsedAlarmCommand {
  let fields: Record<string, unknown> | null = null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      fields = Object.fromEntries(Object.entries(value).map(([key, field]) => [key.toLowerCase(), field]));
  } catch {
    // plain text
  }
  const words = fields === null ? text.trim() : firstOf(fields, COMMAND_KEYS);
  const command = typeof words === "string" ? commandName(words) : null;
  const refuse = (reason: string): ParsedAlarmCommand => ({ ok: false, command, reason });
  if (command === null)
    return refuse(`expected a command: ${ALARM_COMMAND_NAMES.slice(0, 7).join(", ")} (plain, or JSON {"command":…,"code":"…"})`);
  if (command === "arm_vacation" || command === "arm_custom_bypass") return refuse(`roomguard has no ${command.slice(4)} mode`);
  if (command === "trigger" || command === "panic") return { ok: true, command, request: "panic", args: {} };
  if (fields === null) return refuse(`${command} needs a code: send JSON {"command":"${command}","code":"…"}`);
  if (fields.area !== undefined && fields.area !== null && fields.area !== "") return refuse("roomguard has one area: leave out area");
  const code = firstOf(fields, CODE_KEYS);
  if (code === undefined || code === null || code === "") return refuse(`${command} needs a code`);
  if (typeof code !== "string") return refuse("expected the code as a string (a number loses its leading zeros)");
  if (code.length > MAX_CODE) return refuse(`expected a code of 1 to ${MAX_CODE} characters`);
  if (command === "disarm") return { ok: true, command, request: "disarm", args: { code } };
  if (command === "bypass") {
    const zones = zoneNames(fields.zones);
    return zones === null
      ? refuse('expected "zones" to be a list of zone names')
      : { ok: true, command, request: "bypass", args: { code, zones } };
  }
  const mode = ARM_MODES[command] as string;
  let bypass: true | string[] | undefined;
  if (BYPASS_OPEN_KEYS.some((key) => fields[key] === true) || fields.bypass === true) bypass = true;
  else if (fields.bypass !== undefined && fields.bypass !== false) {
    const zones = zoneNames(fields.bypass);
    if (zones === null) return refuse('expected "bypass" to be true or a list of zone names');
    bypass = zones;
  }
  return { ok: true, command, request: "arm", args: { mode, code, ...(bypass === undefined ? {} : { bypass }) } };
}

/**
 * Reads a `<base>/music/set` payload: plain `PLAY`, `PAUSE`, `TOGGLE`, `NEXT`, `PREVIOUS`
 * (case-insensitive), `{"volume": 0-100}`, or `{"command": one of those or "volume", "volume"?: n}`.
 */
export function parseMusicCommand(text: string): ParsedMusicCommand {
  let fields: Record<string, unknown> | null = null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) fields = value as Record<string, unknown>;
  } catch {
    // plain text
  }
  const word = fields === null ? text.trim() : fields.command === undefined && fields.volume !== undefined ? "VOLUME" : fields.command;
  const command = typeof word === "string" ? MUSIC_COMMANDS.find((known) => known === word.toUpperCase()) : undefined;
  if (command === undefined) return { ok: false, reason: `expected ${MUSIC_COMMANDS.join(", ")} or {"volume": 0-100}` };
  if (command !== "VOLUME") return { ok: true, command };
  const volume = fields?.volume;
  if (typeof volume !== "number" || !Number.isInteger(volume) || volume < 0 || volume > 100)
    return { ok: false, reason: 'expected {"volume": an integer from 0 to 100}' };
  return { ok: true, command, args: { volume } };
}

/**
 * A request error of the alarm's in a command result's words: `refused` with the alarm's "wrong
 * code…" reason → `wrong_code`, another refusal → `refused`, `bad-request` → `invalid`,
 * `no-service`/`timeout` → `unavailable`, the rest `failed`.
 */
export function resultOfError(error: unknown): { result: CommandResult; reason: string } {
  if (!(error instanceof RequestError)) return { result: "failed", reason: "the bridge could not ask the alarm" };
  switch (error.code) {
    case "refused":
      return { result: /^wrong code\b/i.test(error.reason) ? "wrong_code" : "refused", reason: error.reason };
    case "bad-request":
      return { result: "invalid", reason: error.reason };
    case "no-service":
    case "timeout":
      return { result: "unavailable", reason: `the alarm does not answer: ${error.reason}` };
    case "unknown-command":
    case "failed":
    case "bad-reply":
      return { result: "failed", reason: error.reason };
  }
}

/** One job at a time, at most `max` waiting: memory stays bounded under a flood. */
class SerialQueue {
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = false;
  private drained: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Queues a job; false (and not queued) when `max` wait already. */
  push(job: () => Promise<void>): boolean {
    if (this.running && this.waiting.length >= this.max) return false;
    this.waiting.push(job);
    if (!this.running) void this.run();
    return true;
  }

  idle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.drained.push(resolve)) : Promise.resolve();
  }

  private async run(): Promise<void> {
    this.running = true;
    // A job that throws must not stop the queue for good: it is the job's to report its own failure.
    for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) await job().catch(() => undefined);
    this.running = false;
    const drained = this.drained;
    this.drained = [];
    for (const resolve of drained) resolve();
  }
}

/**
 * MQTT → actions: `<base>/alarm/set` to the alarm's request socket (source `homeassistant`, via
 * `mqtt`) with each result on `<base>/alarm/event`, and `<base>/music/set` to `CONTROL:
 * music-player …` on the bus. Per topic one command is in flight and at most `maxQueued` wait;
 * more are answered `busy`. A code goes to `alarm()` only: no publication, log line or error
 * quotes it (logs name a known command and its result, nothing else of the payload).
 */
export class MqttCommands {
  /** The MQTT topics to subscribe to (the only ones, with `<base>/send` and `<prefix>/status`). */
  readonly subscriptions: readonly string[];
  /** Commands taken, by result (for STATUS). */
  readonly counts = new Map<CommandResult, number>();
  private readonly alarmTopic: string;
  private readonly musicTopic: string;
  private readonly eventTopic: string;
  private readonly maxPayloadBytes: number;
  private readonly alarmQueue: SerialQueue;
  private readonly musicQueue: SerialQueue;

  constructor(private readonly options: CommandsOptions) {
    const base = baseTopic(options.baseTopic);
    this.alarmTopic = `${base}/alarm/set`;
    this.musicTopic = `${base}/music/set`;
    this.eventTopic = `${base}/alarm/event`;
    this.subscriptions = [this.alarmTopic, this.musicTopic];
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_COMMAND_BYTES;
    this.alarmQueue = new SerialQueue(options.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.musicQueue = new SerialQueue(options.maxQueued ?? DEFAULT_MAX_QUEUED);
  }

  /**
   * Takes one MQTT message on a command topic (others are ignored: false). `retained`: the
   * broker's retain flag — a retained command is refused, since it would be replayed at every
   * reconnection (Alarmo's rule: commands are never retained). Never throws.
   */
  take(topic: string, payload: Uint8Array | string, retained = false): boolean {
    if (topic === this.alarmTopic) this.takeAlarm(payload, retained);
    else if (topic === this.musicTopic) this.takeMusic(payload, retained);
    else return false;
    return true;
  }

  /** Resolves once every command taken so far has been answered. */
  async idle(): Promise<void> {
    await Promise.all([this.alarmQueue.idle(), this.musicQueue.idle()]);
  }

  private takeAlarm(payload: Uint8Array | string, retained: boolean): void {
    const text = this.text(payload);
    if (typeof text !== "string") return this.answer(null, "invalid", text.reason);
    if (retained) return this.answer(null, "invalid", "a retained command is refused: publish commands without the retain flag");
    const parsed = parseAlarmCommand(text);
    if (!parsed.ok) return this.answer(parsed.command, "invalid", parsed.reason);
    const { command, request, args } = parsed;
    const queued = this.alarmQueue.push(async () => {
      let outcome: { result: CommandResult; reason?: string };
      try {
        await this.options.alarm(request, { ...args, source: "homeassistant", via: "mqtt" });
        outcome = { result: "accepted" };
      } catch (error) {
        outcome = resultOfError(error);
        if (outcome.result === "failed" && !(error instanceof RequestError))
          this.options.log.error("asking the alarm failed", { command, error: error instanceof Error ? error.name : typeof error });
      }
      const code = typeof args.code === "string" ? args.code : undefined;
      this.answer(command, outcome.result, outcome.reason === undefined ? undefined : withoutCode(outcome.reason, code, outcome.result));
    });
    if (!queued) this.answer(command, "busy", "too many commands waiting: try again");
  }

  private takeMusic(payload: Uint8Array | string, retained: boolean): void {
    const { log } = this.options;
    const text = this.text(payload);
    if (typeof text !== "string") return log.once("warn", "music invalid", `ignored a music command: ${text.reason}`);
    if (retained) return log.once("warn", "music retained", "ignored a retained music command: publish commands without the retain flag");
    const parsed = parseMusicCommand(text);
    if (!parsed.ok) return log.once("warn", "music invalid", `ignored a music command: ${parsed.reason}`);
    const queued = this.musicQueue.push(async () => {
      try {
        await this.options.publishBus(controlMessage("music-player", parsed.command, parsed.args));
        this.count("accepted");
      } catch (error) {
        this.count("failed");
        log.once("warn", "music publish", "could not pass a music command to the bus", {
          command: parsed.command,
          error: error instanceof MessageError ? error.message : String(error),
        });
      }
    });
    if (!queued) {
      this.count("busy");
      log.once("warn", "music busy", "music commands come faster than the bus takes them: some were dropped");
    }
  }

  /** The payload as text, or why not (too large, not UTF-8). */
  private text(payload: Uint8Array | string): string | { reason: string } {
    const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    if (size > this.maxPayloadBytes) return { reason: `the payload is ${size} bytes, more than the ${this.maxPayloadBytes} taken` };
    if (typeof payload === "string") return payload;
    try {
      return strictUtf8.decode(payload);
    } catch {
      return { reason: "the payload is not UTF-8 text" };
    }
  }

  private answer(command: AlarmCommandName | null, result: CommandResult, reason?: string): void {
    this.count(result);
    const event: CommandResultEvent = {
      kind: "command",
      command,
      result,
      ...(reason === undefined ? {} : { reason: reason.slice(0, MAX_REASON) }),
      at: new Date(this.options.clock.now()).toISOString(),
    };
    this.options.publish({ topic: this.eventTopic, payload: JSON.stringify(event), retain: false });
    this.options.log.info("alarm command from MQTT", { command, result });
  }

  private count(result: CommandResult): void {
    this.counts.set(result, (this.counts.get(result) ?? 0) + 1);
  }
}

/** The alarm's reasons never quote a code; should one ever, the bridge's own words go instead. */
function withoutCode(reason: string, code: string | undefined, result: CommandResult): string {
  if (code === undefined || !reason.includes(code)) return reason;
  return `${result.replace("_", " ")} (the alarm's reason is withheld: it contained the code)`;
}

function firstOf(fields: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) if (fields[key] !== undefined) return fields[key];
  return undefined;
}

function commandName(text: string): AlarmCommandName | null {
  const lower = text.toLowerCase();
  return ALARM_COMMAND_NAMES.find((name) => name === lower) ?? null;
}

function zoneNames(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ZONES) return null;
  return value.every((name): name is string => typeof name === "string" && name.length > 0 && name.length <= MAX_ZONE_NAME) ? value : null;
}
