import { spawn } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmod, chown, link, lstat, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { hostname as machineName, networkInterfaces } from "node:os";
import path from "node:path";
import { ExitCode } from "@roomguard/runtime";
import type { CommandContext } from "../command.js";
import { mappingAt, readConfigText, writeConfigText } from "../config-edit.js";
import { setMapValues } from "../yaml-splice.js";

/** Apple's platforms refuse a TLS server certificate valid for longer (since iOS 13 and macOS 10.15). */
export const MAX_CERT_DAYS = 825;
export const CERT_FILE = "web-cert.pem";
export const KEY_FILE = "web-key.pem";

/** A DNS name (a label of letters, digits and hyphens, dot-separated) or an IP address. */
export function isHostName(name: string): boolean {
  if (isIP(name) !== 0) return true;
  return name.length <= 253 && name.split(".").every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

export interface MakeCertOptions {
  /** Extra names (or addresses) the certificate is for, besides the machine's own. */
  hosts: readonly string[];
  days: number;
  /** The directory for the files; default the config file's. */
  out?: string | undefined;
  /** Replace existing files. */
  force: boolean;
  config?: string | undefined;
}

/** The names a certificate made here is for: DNS names and IP addresses, each once. */
export interface CertNames {
  dns: string[];
  ips: string[];
}

/**
 * The machine's names: its host name, `name.local` (mDNS), localhost and `hosts`; its addresses
 * that are not internal (not IPv6 link-local ones, whose zone a certificate cannot name), the
 * loopback ones and the addresses among `hosts`.
 */
export function machineNames(hosts: readonly string[], name = machineName(), interfaces = networkInterfaces()): CertNames {
  const addresses = Object.values(interfaces).flatMap((list) =>
    (list ?? [])
      .filter((address) => !address.internal && (address.family !== "IPv6" || address.scopeid === 0))
      .map((address) => address.address),
  );
  const unique = (items: string[]): string[] => [...new Set(items.map((item) => item.toLowerCase()))];
  return {
    dns: unique(
      [name, `${name}.local`, "localhost", ...hosts.filter((host) => isIP(host) === 0)].filter((item) => item !== "" && item !== ".local"),
    ),
    ips: unique([...addresses, "127.0.0.1", "::1", ...hosts.filter((host) => isIP(host) !== 0)]),
  };
}

/**
 * `roomguard web make-cert`: a self-signed certificate and its EC P-256 key made with openssl,
 * written as web-cert.pem (0644) and web-key.pem (0600, 0640 when the config file is readable by
 * its group: the dashboard reads both through it), then set as web.tls in the config file.
 * Exit 0 done, 1 refused (files there, without --force) or failed, 69 no openssl, 78 a config
 * file that cannot be edited.
 */
export async function makeCert(options: MakeCertOptions, context: CommandContext): Promise<number> {
  const fail = (message: string): number => {
    context.output.err(`roomguard web make-cert: ${message}`);
    return ExitCode.failure;
  };
  const loaded = context.loadConfig(options.config, { needs: ["web.listen"], needsMayDefault: true });
  const config = await readConfigText(loaded.file, "web.tls");
  const configDir = path.dirname(config.file);
  const dir = path.resolve(options.out ?? configDir);
  const certFile = path.join(dir, CERT_FILE);
  const keyFile = path.join(dir, KEY_FILE);

  const version = await run("openssl", ["version"]).catch((error: NodeJS.ErrnoException) => error);
  if (version instanceof Error) {
    context.output.err(
      version.code === "ENOENT"
        ? "roomguard web make-cert: openssl is not installed: `sudo apt-get install openssl` installs it (Raspberry Pi OS has it)"
        : `roomguard web make-cert: cannot run openssl: ${version.message}`,
    );
    return ExitCode.unavailable;
  }
  if (!options.force) {
    const there = [];
    for (const file of [certFile, keyFile]) if (await exists(file)) there.push(file);
    if (there.length > 0)
      return fail(
        `${there.join(" and ")} ${there.length > 1 ? "exist" : "exists"}: nothing was written. --force replaces ${there.length > 1 ? "them" : "it"} (phones that accepted the old certificate will warn again)`,
      );
  }

  const names = machineNames(options.hosts);
  const configStat = await stat(config.file);
  // On the Pi the config is root:roomguard 0640 and the dashboard runs as roomguard: it must read the key as the config.
  const keyMode = 0o600 | (configStat.mode & 0o040);
  let temporary: string;
  try {
    temporary = await mkdtemp(path.join(dir, ".web-cert-"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return fail(`cannot write into ${dir}: ${code}${code === "EACCES" ? ". Run it as the config file's owner (or root, with sudo)" : ""}`);
  }
  let pem: { cert: string; key: string };
  try {
    const tmpCert = path.join(temporary, CERT_FILE);
    const tmpKey = path.join(temporary, KEY_FILE);
    const settings = path.join(temporary, "openssl.cnf");
    await writeFile(settings, opensslConfig(names), { mode: 0o600 });
    const made = await run("openssl", [
      "req",
      "-x509",
      "-new",
      "-config",
      settings,
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-sha256",
      "-days",
      String(options.days),
      "-keyout",
      tmpKey,
      "-out",
      tmpCert,
    ]).catch((error: Error) => error);
    if (made instanceof Error) return fail(`openssl could not make the certificate: ${made.message}`);
    pem = { cert: await readFile(tmpCert, "utf8"), key: await readFile(tmpKey, "utf8") };
    const certificate = new X509Certificate(pem.cert);
    if (!certificate.checkPrivateKey(createPrivateKey(pem.key)))
      return fail("openssl made a key that is not the certificate's (please report this)");
    await chmod(tmpCert, 0o644);
    await chmod(tmpKey, keyMode);
    // Run as root (sudo) beside a config of root:roomguard: the files take the config's owner and group.
    if (process.getuid?.() === 0) {
      for (const file of [tmpCert, tmpKey]) await chown(file, configStat.uid, configStat.gid);
    }
    if (options.force) {
      await rename(tmpKey, keyFile);
      await rename(tmpCert, certFile);
    } else {
      // link() refuses a file that appeared meanwhile, as a check before rename could not.
      await link(tmpKey, keyFile);
      await link(tmpCert, certFile).catch(async (error: unknown) => {
        await unlink(keyFile);
        throw error;
      });
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return fail(`${certFile} or ${keyFile} appeared meanwhile: nothing was written; --force replaces it`);
    return fail(`cannot write the certificate into ${dir}: ${code ?? (error as Error).message}`);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }

  const certificate = new X509Certificate(pem.cert);
  const relative = (file: string): string => {
    const from = path.relative(configDir, file);
    return from.startsWith("..") || path.isAbsolute(from) ? file : from;
  };
  const tls = { cert: relative(certFile), key: relative(keyFile) };
  context.output.out(
    `wrote ${certFile} (the certificate, ${octal(0o644)}) and ${keyFile} (its key, ${octal(keyMode)}): EC P-256, valid ${options.days} days, until ${new Date(certificate.validTo).toISOString().slice(0, 10)}`,
  );
  context.output.out(`for ${[...names.dns.map((name) => `DNS:${name}`), ...names.ips.map((ip) => `IP:${ip}`)].join(", ")}`);
  await writeConfigText(
    config,
    (text) => setMapValues(text, ["web", "tls"], tls),
    (document) => Object.assign(mappingAt(document, ["web", "tls"]), tls),
  ).catch((error: unknown) => {
    if (error instanceof Error)
      error.message += ` (the files are written; set web.tls.cert: ${tls.cert} and web.tls.key: ${tls.key} by hand)`;
    throw error;
  });
  context.output.out(`set web.tls.cert: ${tls.cert} and web.tls.key: ${tls.key} in ${config.file}`);
  context.output.out(`SHA-256 fingerprint: ${certificate.fingerprint256}`);
  context.output.out("  a phone warns that the certificate is not trusted: accept it only if its details show this fingerprint");

  const { listen, hostnames } = loaded.config.web;
  const port = listen.slice(listen.lastIndexOf(":") + 1);
  const host = listen.slice(0, listen.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  context.output.out(`URL: https://${names.dns[1] ?? "localhost"}:${port}/`);
  if (host === "localhost" || host === "::1" || host.startsWith("127.")) {
    context.output.err(
      `roomguard web make-cert: note: web.listen is ${listen}, loopback only: phones reach the dashboard once it listens on the network (web.listen: 0.0.0.0:${port})`,
    );
  }
  const allowed = new Set(hostnames.map((name) => name.toLowerCase()));
  for (const extra of options.hosts.filter((name) => isIP(name) === 0 && !allowed.has(name.toLowerCase()))) {
    context.output.err(`roomguard web make-cert: note: the dashboard answers to ${extra} only once web.hostnames lists it`);
  }
  context.output.out("The dashboard reads web.tls when it starts: a running one serves the old certificate until it is restarted.");
  return ExitCode.ok;
}

/** openssl's settings for the certificate: a server's leaf (CA:FALSE: Firefox refuses a CA certificate as a server's), for these names. */
function opensslConfig(names: CertNames): string {
  const alt = [...names.dns.map((name) => `DNS:${name}`), ...names.ips.map((ip) => `IP:${ip}`)].join(",");
  return [
    "[req]",
    "distinguished_name = dn",
    "x509_extensions = ext",
    "prompt = no",
    "[dn]",
    `CN = ${names.dns[0] ?? "localhost"}`,
    "O = roomguard (self-signed)",
    "[ext]",
    `subjectAltName = ${alt}`,
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature",
    "extendedKeyUsage = serverAuth",
    "subjectKeyIdentifier = hash",
    "",
  ].join("\n");
}

/** Runs a program to its end: resolves with its standard output, rejects with its standard error (or the spawn error: ENOENT). */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args[0] ?? ""} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
