import { MessageError, RequestError, RequestRefused, simGpioMessage, simPressMessage } from "@roomguard/bus";
import { ROLE_COMMANDS, type Command, type PageRequest, type ReplyError, type Role } from "../page/protocol.js";

/** What a page's requests reach: the alarm's request socket, the bus, the gateway's own history. */
export interface RequestBackends {
  /** A request to the alarm's request socket (codes go only there). */
  alarm(command: "arm" | "disarm" | "bypass" | "panic" | "history", args: Record<string, unknown>): Promise<unknown>;
  /** `CONTROL: music-player <COMMAND>` on the bus, resolving with its `STATUS:` answer. */
  music(command: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Publishes a `SIM:` message. */
  sim(text: string): Promise<void>;
  history(sensor: string, quantity: string): [number, number][];
  journal(args: Record<string, unknown>): Promise<unknown>;
}

/** Who asks, and on what hardware. */
export interface Asker {
  user: string;
  role: Role;
  /** The hardware is simulated (`SIM:` is allowed only then). */
  sim: boolean;
}

/** A request answered with an error: its code and a message for the person at the page. */
export class PageRequestError extends Error {
  constructor(
    readonly code: ReplyError,
    message: string,
  ) {
    super(message);
    this.name = "PageRequestError";
  }
}

const COMMANDS = new Set<string>(ROLE_COMMANDS.admin);
const MODES = ["away", "home", "night"];
const MUSIC_ACTIONS: Record<string, string> = {
  play: "PLAY",
  pause: "PAUSE",
  toggle: "TOGGLE",
  next: "NEXT",
  previous: "PREVIOUS",
  volume: "VOLUME",
};
const MAX_ID = 32;
const MAX_CODE = 64;
const MAX_NAME = 64;
const MAX_ZONES = 256;

type Args = Record<string, unknown>;

function isObject(value: unknown): value is Args {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const bad = (message: string): PageRequestError => new PageRequestError("bad-request", message);

/** A frame from a page as a request, or what was wrong with it (with its id when one could be read). */
export function parsePageRequest(text: string): { ok: true; request: PageRequest } | { ok: false; id: string; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: "", message: "expected a JSON request" };
  }
  if (!isObject(value) || value.t !== "req") return { ok: false, id: "", message: 'expected {"t":"req","id","cmd","args"}' };
  const id = typeof value.id === "string" && value.id.length > 0 && value.id.length <= MAX_ID ? value.id : null;
  if (id === null) return { ok: false, id: "", message: `expected "id" to be a string of 1 to ${MAX_ID} characters` };
  if (typeof value.cmd !== "string" || !COMMANDS.has(value.cmd))
    return { ok: false, id, message: `unknown command; known: ${[...COMMANDS].join(", ")}` };
  if (value.args !== undefined && !isObject(value.args)) return { ok: false, id, message: `expected "args" to be an object` };
  return { ok: true, request: { t: "req", id, cmd: value.cmd as Command, ...(value.args === undefined ? {} : { args: value.args }) } };
}

/**
 * Answers one request: the role's allow-list first (hello.allowed), then each command's
 * arguments, then the backend. Codes are passed to the alarm's request socket and nowhere else;
 * nothing a page sends reaches the bus except music commands and, on simulated hardware, `SIM:`.
 */
export async function answerPageRequest(request: PageRequest, asker: Asker, backends: RequestBackends): Promise<unknown> {
  const { cmd } = request;
  if (!ROLE_COMMANDS[asker.role].includes(cmd)) throw new PageRequestError("forbidden", `${asker.user} (${asker.role}) may not ${cmd}`);
  const args = request.args ?? {};
  const alarm = (command: "arm" | "disarm" | "bypass" | "panic" | "history", extra: Args): Promise<unknown> =>
    backends.alarm(command, { source: "dashboard", via: `web:${asker.user}`, ...extra }).catch(fromRequestError("the alarm"));
  switch (cmd) {
    case "arm": {
      const bypass = args.bypass === undefined ? {} : { bypass: args.bypass === true ? true : zoneNames(args.bypass, "bypass") };
      if (bypass.bypass !== undefined && asker.role !== "admin") throw new PageRequestError("forbidden", "only an admin may bypass zones");
      return alarm("arm", { mode: oneOf(args.mode, MODES, "mode"), code: code(args.code), ...bypass });
    }
    case "disarm":
      return alarm("disarm", { code: code(args.code) });
    case "bypass":
      return alarm("bypass", { code: code(args.code), zones: zoneNames(args.zones, "zones") });
    case "panic":
      return alarm("panic", {});
    case "audit":
      return alarm("history", args.limit === undefined ? {} : { limit: wholeNumber(args.limit, 1, 500, "limit") });
    case "music": {
      const action = oneOf(args.action, Object.keys(MUSIC_ACTIONS), "action");
      const volume = action === "volume" ? { volume: wholeNumber(args.volume, 0, 100, "volume") } : undefined;
      return backends.music(MUSIC_ACTIONS[action] as string, volume).catch(fromRequestError("the music player"));
    }
    case "sim":
      if (!asker.sim) throw new PageRequestError("forbidden", "SIM: is for simulated hardware only, and this is real hardware");
      await backends.sim(simText(args));
      return { sent: true };
    case "history":
      return { points: backends.history(name(args.sensor, "sensor"), name(args.quantity, "quantity")) };
    case "journal":
      return backends.journal(args).catch((error: unknown) => {
        throw error instanceof RequestRefused ? new PageRequestError("bad-request", error.message) : error;
      });
  }
}

function code(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CODE) throw bad("enter a code first");
  return value;
}

function oneOf(value: unknown, allowed: readonly string[], what: string): string {
  if (typeof value !== "string" || !allowed.includes(value)) throw bad(`expected "${what}" to be one of ${allowed.join(", ")}`);
  return value;
}

function wholeNumber(value: unknown, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    throw bad(`expected "${what}" to be a whole number from ${min} to ${max}`);
  return value as number;
}

function name(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME) throw bad(`expected "${what}" to be a name`);
  return value;
}

function zoneNames(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_ZONES) throw bad(`expected "${what}" to be a list of zone names`);
  return value.map((item) => name(item, what));
}

function simText(args: Args): string {
  try {
    if (args.command === "press")
      return simPressMessage(name(args.key, "key"), args.ms === undefined ? undefined : wholeNumber(args.ms, 1, 60_000, "ms"));
    if (args.command === "gpio")
      return simGpioMessage(wholeNumber(args.pin, 0, 27, "pin"), wholeNumber(args.level, 0, 1, "level") as 0 | 1);
  } catch (error) {
    if (error instanceof MessageError) throw bad(error.message);
    throw error;
  }
  throw bad('expected "command" to be press or gpio');
}

/** A request error of a backend in the page's words. */
function fromRequestError(service: string): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof RequestError)) throw error;
    switch (error.code) {
      case "refused":
        throw new PageRequestError("refused", error.reason);
      case "bad-request":
        throw new PageRequestError("bad-request", error.reason);
      case "no-service":
      case "timeout":
        throw new PageRequestError("unavailable", `${service} does not answer: ${error.reason}`);
      default:
        throw new PageRequestError("failed", `${service} failed: ${error.reason}`);
    }
  };
}
