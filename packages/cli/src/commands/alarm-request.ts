import { request, RequestError } from "@roomguard/bus";
import { ExitCode } from "@roomguard/runtime";
import { timeoutMs, type CommandContext } from "../command.js";
import type { CodeReader } from "../read-code.js";
import { UnreachableError } from "../unreachable-error.js";
import { UsageError } from "../usage-error.js";
import { CODE_PATTERN } from "./alarm-add-user.js";
import { renderAlarmView, type AlarmView } from "./alarm-state.js";

/** The keys the alarm's request commands read. */
const REQUEST_KEYS = ["alarm.requests"] as const;

export interface AlarmRequestOptions {
  config?: string | undefined;
  timeout?: string | undefined;
  json?: boolean | undefined;
}

/** What one request sends, and how its success is said. */
export interface AlarmAction {
  /** `arm`, `disarm`, `bypass`, `status`. */
  command: string;
  /** The request's arguments besides `code` and `source`. */
  args: Record<string, unknown>;
  /** Whether a code is asked for. */
  withCode: boolean;
  /** The first line printed on success: "arm away: accepted". */
  done: string;
}

/**
 * Sends one request to the alarm (alarm.requests) with source "cli", the code read from
 * `reader` when the action takes one, and prints the state it answers. Exit 0 done; 1 the alarm
 * refused (a wrong code, open zones: its reason printed) or failed; 64 a wrong command line or a
 * request the alarm calls malformed; 69 (UnreachableError) no alarm listens or answers in time.
 */
export async function actOnAlarm(
  action: AlarmAction,
  options: AlarmRequestOptions,
  context: CommandContext,
  reader: CodeReader,
): Promise<number> {
  // A code goes only where the config says the alarm is: a problem in that key stops the command (78).
  const { config } = context.loadConfig(options.config, { needs: REQUEST_KEYS });
  const ms = timeoutMs(options.timeout);
  const word = `alarm ${action.command}`;
  const args: Record<string, unknown> = { ...action.args, source: "cli" };
  if (action.withCode) {
    const code = await reader.read("code: ", "the code");
    // Checked here so that a typo is not sent, and so not counted toward the lockout.
    if (!CODE_PATTERN.test(code)) {
      context.output.err(`roomguard ${word}: expected a code of 4 to 12 digits: nothing was sent`);
      return ExitCode.failure;
    }
    args.code = code;
  }
  const endpoint = config.alarm.requests;
  let result: Record<string, unknown>;
  try {
    result = await request(endpoint, action.command, args, { timeoutMs: ms, service: "alarm" });
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    switch (error.code) {
      case "no-service":
        throw new UnreachableError(
          `the alarm is not running: nothing answers at ${endpoint} (alarm.requests: ${error.reason}). ` +
            `${context.hints().startAdvice()}; \`${context.hints().command("status")}\` shows whether the alarm service runs.`,
          { cause: error },
        );
      case "timeout":
        throw new UnreachableError(`the alarm at ${endpoint} did not answer within ${ms} ms (${error.reason})`, { cause: error });
      case "bad-request":
        throw new UsageError(`${word}: the alarm calls the request malformed: ${error.reason}`);
      case "refused":
        context.output.err(`roomguard ${word}: refused: ${error.reason}`);
        return ExitCode.failure;
      case "unknown-command":
      case "failed":
      case "bad-reply":
        context.output.err(`roomguard ${word}: ${error.reason}`);
        return ExitCode.failure;
    }
  }
  const view = (typeof result.state === "object" && result.state !== null ? result.state : {}) as AlarmView;
  if (options.json) context.output.out(JSON.stringify(view));
  else {
    if (action.done !== "") context.output.out(action.done);
    context.output.out(renderAlarmView(view, Date.now()));
  }
  if (typeof result.warning === "string") context.output.err(`roomguard ${word}: warning: ${result.warning}`);
  return ExitCode.ok;
}
