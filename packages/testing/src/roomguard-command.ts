import { spawn } from "node:child_process";
import path from "node:path";
import { installationRoot } from "@roomguard/registry";

/** What a `roomguard` command did. */
export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
}

/** The CLI's main.js in this installation (the CLI is no service: the registry does not list it). */
export function roomguardMain(): string {
  return path.join(installationRoot(), "packages", "cli", "dist", "src", "main.js");
}

/** `roomguard <args> --config <configFile>` as a user runs it, `stdin` typed in; its output and exit code. */
export function roomguard(configFile: string, args: string[], stdin = ""): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [roomguardMain(), ...args, "--config", configFile], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}
