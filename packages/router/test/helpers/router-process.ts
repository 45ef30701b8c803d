import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const ROUTER_MAIN = fileURLToPath(new URL("../../src/main.js", import.meta.url));

export type LogLine = Record<string, unknown> & { msg: string; level: string };

export interface RouterProcess {
  child: ChildProcess;
  dir: string;
  configFile: string;
  journalDir: string;
  endpoints: { in: string; out: string };
  lines: LogLine[];
  /** Resolves with the first log line (from now on, or already seen) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface RouterProcessOptions {
  /** Config sections merged over the test defaults (ipc endpoints in a fresh directory). */
  config?: Record<string, Record<string, unknown>>;
  /** Reuse this directory (and so the same ipc endpoints and journal): for restarts. */
  dir?: string;
  /** Do not wait for "listening" (for processes expected to fail). */
  noWait?: boolean;
}

/** Starts a real router process on private ipc endpoints and waits until it listens. */
export async function startRouter(options: RouterProcessOptions = {}): Promise<RouterProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "roomguard-router-test-"));
  const journalDir = path.join(dir, "journal");
  const config = {
    ...options.config,
    bus: { in: `ipc://${dir}/in.sock`, out: `ipc://${dir}/out.sock`, ...options.config?.bus },
    router: {
      statsIntervalS: 0.5,
      ...options.config?.router,
      journal: { dir: journalDir, ...(options.config?.router?.journal as object | undefined) },
    },
    log: { level: "debug", format: "json", ...options.config?.log },
  };
  const configFile = path.join(dir, "roomguard.yaml");
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, [ROUTER_MAIN, "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const text = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text, level: "raw" };
      }
      lines.push(line);
      for (const watcher of watchers) watcher(line);
    }
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(
          new Error(
            `no matching router log line within ${timeoutMs} ms; stderr: ${stderr}; last lines: ${JSON.stringify(lines.slice(-5))}`,
          ),
        );
      }, timeoutMs);
      const watcher = (line: LogLine): void => {
        if (!match(line)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        resolve(line);
      };
      watchers.add(watcher);
      void exited.then(() => {
        if (!watchers.has(watcher)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        reject(new Error(`the router exited before the log line came; stderr: ${stderr}; last lines: ${JSON.stringify(lines.slice(-5))}`));
      });
    });
  };

  const router: RouterProcess = {
    child,
    dir,
    configFile,
    journalDir,
    endpoints: { in: config.bus.in, out: config.bus.out },
    lines,
    waitForLog,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (!options.noWait) {
    const listening = await waitForLog((line) => line.msg === "listening");
    router.endpoints = { in: listening.in as string, out: listening.out as string };
  }
  return router;
}
