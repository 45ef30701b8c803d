import { RequestError } from "@roomguard/bus";
import type { Clock, Logger, TimerHandle } from "@roomguard/runtime";
import { ARM_KEYS, isDigitKey, panicKeyOf, type CodeEntryConfig } from "./code-entry-keys.js";
import type { KeyPress } from "./key-events.js";

/** A request to the alarm (`request()` of @roomguard/bus on `alarm.requests`): its result, or a rejection with a RequestError. */
export type AlarmRequest = (command: "arm" | "disarm" | "panic", args: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface CodeEntryOptions {
  config: CodeEntryConfig;
  clock: Clock;
  send: AlarmRequest;
  /** An ordinary key: published as `KEY: <NAME>` (or `HOLD`). */
  publish: (key: KeyPress) => void;
  log: Logger;
}

/**
 * Keys kept while a request is out; more are dropped. A person types a few keys a second and the
 * alarm answers within the request's timeout, so only a stuck or flooded keypad comes near it.
 */
export const MAX_WAITING_KEYS = 32;

interface CodeCommand {
  command: "arm" | "disarm";
  mode?: "away" | "home" | "night";
  /** What the log calls it: "arm away", "disarm". */
  label: string;
}

/**
 * Typing an alarm code on the keypad (keypad.codeEntry, docs/alarm.md): digit keys are kept
 * here, never published; a command key with digits typed sends them with `arm`/`disarm` to the
 * alarm's request socket, the panic key sends `panic`. Without digits typed, the command and
 * clear keys are ordinary keys. Every other key is published as it comes. The code is never
 * logged, nor any digit: only the outcome, in the alarm's words.
 *
 * One request at a time: keys that come while one is out wait, in order, and are handled after
 * its answer (so a code typed right after is not sent past the first).
 */
export class CodeEntry {
  private digits: string[] = [];
  private timer: TimerHandle | undefined;
  private current: Promise<void> | undefined;
  private readonly waiting: KeyPress[] = [];
  private stopped = false;
  private readonly panic: { name: string; hold: boolean } | null;
  private readonly commands: ReadonlyMap<string, CodeCommand>;

  constructor(private readonly options: CodeEntryOptions) {
    const { config } = options;
    this.panic = panicKeyOf(config.panic);
    this.commands = new Map<string, CodeCommand>([
      ...Object.entries(ARM_KEYS).map(([key, mode]): [string, CodeCommand] => [
        config[key as keyof typeof ARM_KEYS],
        { command: "arm", mode, label: `arm ${mode}` },
      ]),
      [config.disarm, { command: "disarm", label: "disarm" }],
    ]);
  }

  /** Digits typed and not yet sent: a count, for STATUS. */
  get pending(): number {
    return this.digits.length;
  }

  /** A key from the reporter. */
  key(press: KeyPress): void {
    if (this.stopped) return;
    if (this.current === undefined) return this.handle(press);
    if (this.waiting.length < MAX_WAITING_KEYS) this.waiting.push(press);
    else
      this.options.log.once(
        "warn",
        "code-entry:waiting",
        `keys come faster than the alarm answers: past ${MAX_WAITING_KEYS} waiting, keys are dropped (said once)`,
      );
  }

  /** Resolves once no request is out and no key waits (tests, stop). */
  async whenIdle(): Promise<void> {
    while (this.current) await this.current;
  }

  /** Forgets the digits and the waiting keys; answers still to come are only logged. */
  stop(): void {
    this.stopped = true;
    this.forget();
    this.waiting.length = 0;
  }

  private handle(press: KeyPress): void {
    const { config, log } = this.options;
    const plain = !press.hold && !press.repeat;
    if (this.panic && press.name === this.panic.name && press.hold === this.panic.hold && !press.repeat) {
      this.forget();
      return this.send("panic", { source: "keypad" }, "panic");
    }
    if (isDigitKey(press.name)) {
      // A digit held or repeating is typed once: it was counted when pressed.
      if (!plain) return;
      if (this.digits.length < config.maxDigits) this.digits.push(press.name);
      else
        log.once(
          "info",
          "code-entry:max-digits",
          `a code has at most keypad.codeEntry.maxDigits (${config.maxDigits}) digits: further ones are ignored until it is sent or cleared`,
        );
      return this.restartTimer();
    }
    if (this.digits.length > 0 && plain) {
      if (press.name === config.clear) {
        this.forget();
        return log.debug("code entry cleared");
      }
      const command = this.commands.get(press.name);
      if (command) {
        const code = this.digits.join("");
        this.forget();
        const args = command.mode ? { mode: command.mode, code, source: "keypad" } : { code, source: "keypad" };
        return this.send(command.command, args, command.label);
      }
    }
    if (this.digits.length > 0) this.restartTimer();
    this.options.publish(press);
  }

  private send(command: "arm" | "disarm" | "panic", args: Record<string, unknown>, label: string): void {
    // A send that throws at once is a failed request like one that rejects.
    this.current = new Promise<Record<string, unknown>>((resolve) => resolve(this.options.send(command, args)))
      .then(
        (result) => this.answered(label, result),
        (error: unknown) => this.failed(label, error),
      )
      .finally(() => {
        this.current = undefined;
        while (this.current === undefined && this.waiting.length > 0 && !this.stopped) this.handle(this.waiting.shift() as KeyPress);
      });
  }

  private answered(label: string, result: Record<string, unknown>): void {
    const state = isObject(result.state) ? result.state : {};
    const name = typeof state.state === "string" ? state.state : undefined;
    const by = typeof state.changed_by === "string" ? state.changed_by : undefined;
    const fields = { request: label, ...(name ? { state: name } : {}), ...(by ? { user: by } : {}) };
    if (!name) return this.options.log.info(`${label}: done (the alarm's reply names no state)`, fields);
    const words = describeState(name, state, by);
    this.options.log.info(label === "panic" ? `panic: ${words}` : words, fields);
  }

  private failed(label: string, error: unknown): void {
    const { log } = this.options;
    if (!(error instanceof RequestError)) {
      log.once("warn", "code-entry:error", `${label}: the request to the alarm failed`, {
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (error.code === "refused") return log.info(`${label} refused: ${error.reason}`, { request: label });
    if (error.code === "no-service" || error.code === "timeout") {
      log.once("warn", `code-entry:${error.code}`, `the alarm does not answer: ${label} not done; the keypad carries on (said once)`, {
        reason: error.message,
      });
      return log.debug(`${label} not done: the alarm does not answer`, { code: error.code });
    }
    log.once("warn", `code-entry:${error.code}`, `${label}: the alarm answered ${error.code} (said once)`, { reason: error.message });
  }

  private restartTimer(): void {
    const { clock, config, log } = this.options;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.digits = [];
      log.debug(`code entry forgotten after keypad.codeEntry.timeoutS (${config.timeoutS} s) without a key`);
    }, config.timeoutS * 1000);
  }

  private forget(): void {
    this.digits = [];
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The alarm's new state in words: "armed away by alice", "arming away by alice: armed in 30 s", "disarmed by bob". */
function describeState(name: string, state: Record<string, unknown>, by: string | undefined): string {
  const byWhom = by ? ` by ${by}` : "";
  if (name === "arming") {
    const mode = typeof state.mode === "string" ? ` ${state.mode}` : "";
    const delay = typeof state.delay_s === "number" ? `: armed in ${state.delay_s} s` : "";
    return `arming${mode}${byWhom}${delay}`;
  }
  return `${name.replace("_", " ")}${byWhom}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
