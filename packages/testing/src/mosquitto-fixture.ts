import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitUntil } from "@roomguard/runtime/testing";
import { freePort } from "./free-port.js";

/** Debian's broker and its password tool (package `mosquitto`, in scripts/system-packages.mjs). */
const MOSQUITTO = "/usr/sbin/mosquitto";
const MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd";

export interface TestMosquittoOptions {
  /** A login the broker requires (anonymous clients refused); without it, anyone may connect. */
  auth?: { user: string; password: string };
  /** TLS only (`mqtts://`), with a certificate for 127.0.0.1 and localhost signed by a throwaway CA (`caFile`). */
  tls?: boolean;
  /** Default /usr/sbin/mosquitto. */
  binary?: string;
}

export interface TestMosquitto {
  /** `mqtt://127.0.0.1:PORT`, or `mqtts://…` with `tls`. */
  url: string;
  port: number;
  /** The CA that signed the broker's certificate (PEM), with `tls`. */
  caFile?: string;
  /** Its config, password file, certificates. */
  dir: string;
  pid(): number | undefined;
  /** What it wrote to stderr (its log) so far. */
  stderr(): string;
  /** SIGTERM, and waits for its exit. Call it when done (a test's `after`). */
  stop(): Promise<void>;
  /** SIGKILL (no goodbye to clients), and waits for its exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same config (stopping it first if it runs); resolves once it accepts connections. */
  restart(): Promise<void>;
}

/**
 * A real Mosquitto on 127.0.0.1 and a free port, with a config of its own in a temporary
 * directory (no persistence: a restart forgets retained messages), ready when this resolves.
 * A missing binary fails naming `node scripts/system-packages.mjs`. The caller stops it; one left
 * running is killed when the test process exits.
 */
export async function startTestMosquitto(options: TestMosquittoOptions = {}): Promise<TestMosquitto> {
  const binary = options.binary ?? MOSQUITTO;
  if (!existsSync(binary))
    throw new Error(`${binary} is missing: the MQTT tests need Debian's mosquitto (\`node scripts/system-packages.mjs\` installs it)`);
  const dir = mkdtempSync(path.join(tmpdir(), "roomguard-mosquitto-"));
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.auth === undefined ? "true" : "false"}`,
    "persistence false",
    "log_dest stderr",
  ];
  lines.push("log_type error", "log_type warning", "log_type notice", "log_type information");
  // Started as root, mosquitto would switch to the user `mosquitto`, who cannot read the 0600 files here.
  if (process.getuid?.() === 0) lines.push("user root");
  if (options.auth !== undefined) {
    const passwordFile = path.join(dir, "passwords");
    run(MOSQUITTO_PASSWD, ["-b", "-c", passwordFile, options.auth.user, options.auth.password]);
    lines.push(`password_file ${passwordFile}`);
  }
  let caFile: string | undefined;
  if (options.tls === true) {
    const files = makeTestCertificates(dir);
    caFile = files.caFile;
    lines.push(`cafile ${files.caFile}`, `certfile ${files.certFile}`, `keyfile ${files.keyFile}`);
  }
  const configFile = path.join(dir, "mosquitto.conf");
  writeFileSync(configFile, `${lines.join("\n")}\n`);

  let child: ChildProcess | undefined;
  let stderr = "";
  const killOnExit = (): void => {
    child?.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill(signal);
    });
  };
  const start = async (): Promise<void> => {
    const started = spawn(binary, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    started.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let failed: string | undefined;
    started.once("error", (error) => (failed = error.message));
    started.once("exit", (code, signal) => (failed = `it exited (${signal ?? `code ${code}`})`));
    child = started;
    try {
      await waitUntil(async () => failed !== undefined || (await accepts(port)), {
        what: `mosquitto to accept connections on 127.0.0.1:${port}`,
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; it said: ${stderr}`, { cause: error });
    }
    if (failed !== undefined) throw new Error(`mosquitto did not start: ${failed}; it said: ${stderr}`);
  };
  await start();
  return {
    url: `${options.tls === true ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    port,
    ...(caFile === undefined ? {} : { caFile }),
    dir,
    pid: () => child?.pid,
    stderr: () => stderr,
    async stop() {
      await end("SIGTERM");
      process.removeListener("exit", killOnExit);
    },
    kill: () => end("SIGKILL"),
    async restart() {
      await end("SIGTERM");
      process.once("exit", killOnExit);
      await start();
    },
  };
}

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost (P-256, two days), made with openssl in `dir`. */
function makeTestCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const at = (name: string): string => path.join(dir, name);
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run("openssl", [
    "req",
    "-x509",
    ...key,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.crt"),
    "-days",
    "2",
    "-subj",
    "/CN=roomguard test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  run("openssl", ["req", ...key, "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", "/CN=127.0.0.1"]);
  writeFileSync(at("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  run("openssl", [
    "x509",
    "-req",
    "-in",
    at("server.csr"),
    "-CA",
    at("ca.crt"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-out",
    at("server.crt"),
    "-days",
    "2",
    "-extfile",
    at("server.ext"),
  ]);
  return { caFile: at("ca.crt"), certFile: at("server.crt"), keyFile: at("server.key") };
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error !== undefined || result.status !== 0)
    throw new Error(
      `${command} ${args[0] ?? ""} failed: ${result.error?.message ?? result.stderr}; \`node scripts/system-packages.mjs\` installs what the tests need`,
    );
}
