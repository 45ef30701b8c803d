#!/usr/bin/env node
// The `roomguard` command: parses the command word, runs it, maps failures to exit codes.
import { readFileSync } from "node:fs";
import { RouterUnreachableError, MessageError } from "@roomguard/bus";
import { ConfigError } from "@roomguard/config";
import { ExitCode } from "@roomguard/runtime";
import type { Hints } from "@roomguard/launcher/hints";
import { configAccess, type Command } from "./command.js";
import { alarmCommand } from "./commands/alarm.js";
import { checkCommand } from "./commands/check.js";
import { clientCommand } from "./commands/client.js";
import { ctlCommand, statusCommand } from "./commands/ctl.js";
import { deviceCommand } from "./commands/device.js";
import { journalCommand } from "./commands/journal.js";
import { keysCommand } from "./commands/keys.js";
import { routerCommand, startCommand } from "./commands/router.js";
import { sendCommand } from "./commands/send.js";
import { simCommand } from "./commands/sim.js";
import { tapCommand } from "./commands/tap.js";
import { webCommand } from "./commands/web.js";
import { CLOSED_PIPE_EXIT, flushOutput, onOutputError, processOutput } from "./output.js";
import { UnreachableError } from "./unreachable-error.js";
import { UsageError } from "./usage-error.js";

const commands: Record<string, Command> = {
  start: startCommand,
  check: checkCommand,
  ctl: ctlCommand,
  status: statusCommand,
  router: routerCommand,
  tap: tapCommand,
  send: sendCommand,
  sim: simCommand,
  alarm: alarmCommand,
  client: clientCommand,
  journal: journalCommand,
  web: webCommand,
  device: deviceCommand,
  keys: keysCommand,
};

function help(hints: Hints): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    "roomguard — a room security appliance for the Raspberry Pi",
    "",
    `usage: ${hints.command("<command> [options]", false)}`,
    "",
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    "",
    "Every command takes --config FILE (else $ROOMGUARD_CONFIG, ./roomguard.yaml, /etc/roomguard/config.yaml).",
    `${hints.command("help <command>", false)} shows a command's options.`,
  ].join("\n");
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

async function main(argv: string[]): Promise<number> {
  const [word, ...rest] = argv;
  const access = configAccess(word ?? "", processOutput);
  if (word === undefined || word === "help" || word === "--help" || word === "-h") {
    const topic = word === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands[topic];
    processOutput.out(command ? command.usage : help(access.hints()));
    return topic !== undefined && !command ? ExitCode.usage : ExitCode.ok;
  }
  if (word === "--version" || word === "-v") {
    processOutput.out(version());
    return ExitCode.ok;
  }
  const command = commands[word];
  if (!command) {
    processOutput.err(`roomguard: unknown command "${word}"\n\n${help(access.hints())}`);
    return ExitCode.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    processOutput.out(command.usage);
    return ExitCode.ok;
  }
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  try {
    return await command.run(rest, { output: processOutput, signal: controller.signal, ...access, stdin: process.stdin });
  } catch (error) {
    return reportFailure(word, error, access.hints());
  }
}

function reportFailure(word: string, error: unknown, hints: Hints): number {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) {
    processOutput.err(`roomguard ${word}: ${message}`);
    return ExitCode.config;
  }
  if (error instanceof UnreachableError || error instanceof RouterUnreachableError) {
    processOutput.err(`roomguard ${word}: ${message}`);
    return ExitCode.unavailable;
  }
  if (error instanceof MessageError) {
    processOutput.err(`roomguard ${word}: not a valid message: ${message}`);
    return ExitCode.dataError;
  }
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    processOutput.err(`roomguard ${word}: ${message}\n(see: ${hints.command(`help ${word}`, false)})`);
    return ExitCode.usage;
  }
  processOutput.err(`roomguard ${word}: ${message}`);
  return ExitCode.failure;
}

/** Output that cannot be written ends the command: quietly when its reader went away (`| head`), else saying why. */
function exitOnOutputError(error: NodeJS.ErrnoException, stream: "stdout" | "stderr"): void {
  if (error.code === "EPIPE") process.exit(CLOSED_PIPE_EXIT);
  if (stream === "stderr") process.exit(ExitCode.failure);
  process.stderr.write(`roomguard: cannot write the output: ${error.message}\n`, () => process.exit(ExitCode.failure));
}

onOutputError(exitOnOutputError);
const code = await main(process.argv.slice(2));
// process.exit() drops what is still queued for a pipe (`roomguard journal | less`): flush both streams first.
// A failed flush is not success: the streams' error handler above ends the process with the reason.
if (await flushOutput()) process.exit(code);
else process.exitCode = ExitCode.failure;
