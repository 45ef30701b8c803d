import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** One JSON log line of a service. */
export type LogLine = Record<string, unknown> & { msg: string; level: string };

export interface ServiceProcess {
  child: ChildProcess;
  /** The directory holding the config file (and the test's ipc sockets). */
  dir: string;
  configFile: string;
  lines: LogLine[];
  /** Resolves with the first log line (from now on, or already seen) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

export interface ServiceProcessOptions {
  /** The service's name, in error messages. */
  name: string;
  /** Path of the service's compiled `main.js`. */
  main: string;
  /** The whole config, written as the service's config file (JSON is YAML). */
  config: Record<string, unknown>;
  /** Directory for the config file; default a fresh temporary one. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a service's `main.js` as a real child process with its own config file and
 * collects its JSON log lines. For tests and benchmarks; the caller stops it.
 */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), `roomguard-${options.name}-`));
  const configFile = path.join(dir, `${options.name}.yaml`);
  writeFileSync(configFile, JSON.stringify(options.config, null, 2));
  const child = spawn(process.execPath, [options.main, "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ROOMGUARD_CONFIG: "", ...options.env },
  });
  return { dir, configFile, ...watchServiceOutput(child, options.name) };
}

/** What {@link watchServiceOutput} gives of a running service process. */
export type WatchedProcess = Omit<ServiceProcess, "dir" | "configFile">;

/**
 * Collects the JSON log lines and stderr of a service process started some other way (in a
 * namespace of its own, through a wrapper): `waitForLog`, `stop` and `exited` as for
 * {@link startServiceProcess}. `name` is for error messages.
 */
export function watchServiceOutput(child: ChildProcess, name: string): WatchedProcess {
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
  const context = (): string => `stderr: ${stderr}; last lines: ${JSON.stringify(lines.slice(-5))}`;

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`no matching ${name} log line within ${timeoutMs} ms; ${context()}`));
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
        reject(new Error(`the ${name} exited before the log line came; ${context()}`));
      });
    });
  };

  return {
    child,
    lines,
    waitForLog,
    exited,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
