import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { resolveConfigPath, type ConfigIssue, type LoadedConfig } from "@roomguard/config";
import type { CheckConfig } from "@roomguard/registry";
import { passwordSourceIssues } from "./broker-password.js";

/** The bridge's part of the config check (`roomguard.service.check` once registered): it uses no pins. */
export const checkConfig: CheckConfig = (loaded) => ({ issues: mqttConfigIssues(loaded), hardware: [] });

/** The URL schemes that run over TLS (`mqtt.tls` applies to them only). */
export const TLS_SCHEMES = ["mqtts:", "wss:"] as const;

/**
 * What the schema cannot see in `mqtt`: no URL to connect to, a URL Node cannot use or that
 * carries a login, two password sources, a password file this process cannot read or that others
 * can (`chmod 600`), a CA file that is unreadable or no PEM certificate, a CA for a URL without
 * TLS. `mqtts://`/`wss://` without a CA is fine: the system's CAs are used. Whether
 * `mqtt.passwordEnv` is set is checked at start, in the bridge's own environment.
 */
export function mqttConfigIssues(loaded: LoadedConfig): ConfigIssue[] {
  const { mqtt } = loaded.config;
  const issues: ConfigIssue[] = [...passwordSourceIssues(mqtt)];
  let url: URL | undefined;
  if (mqtt.url === null) {
    issues.push({ path: "mqtt.url", message: "expected a broker URL for the bridge to connect to, got null (the bridge is off)" });
  } else {
    try {
      url = new URL(mqtt.url);
    } catch {
      issues.push({ path: "mqtt.url", message: `expected a URL with a valid host and port, got ${JSON.stringify(mqtt.url)}` });
    }
  }
  if (url !== undefined) {
    if (url.username !== "" || url.password !== "")
      issues.push({
        path: "mqtt.url",
        message:
          "expected no user name or password in the URL (it shows in logs and status), got user@host: use mqtt.username and mqtt.passwordFile",
      });
    if (url.hostname === "")
      issues.push({ path: "mqtt.url", message: `expected a broker host name, got none in ${JSON.stringify(mqtt.url)}` });
    if (mqtt.tls.ca !== null && !(TLS_SCHEMES as readonly string[]).includes(url.protocol))
      issues.push({
        path: "mqtt.tls.ca",
        message: `expected mqtts:// or wss:// in mqtt.url for a CA to be used, got ${url.protocol}// (no TLS: the connection would not be encrypted)`,
      });
  }
  if (mqtt.passwordFile !== null) {
    const file = resolveConfigPath(loaded, mqtt.passwordFile);
    const problem = passwordFileProblem(file);
    if (problem !== undefined) issues.push({ path: "mqtt.passwordFile", message: problem });
  }
  if (mqtt.tls.ca !== null) {
    const file = resolveConfigPath(loaded, mqtt.tls.ca);
    const problem = caFileProblem(file);
    if (problem !== undefined) issues.push({ path: "mqtt.tls.ca", message: problem });
  }
  return issues;
}

/** Why `file` cannot hold the broker password: unreadable, readable by others than its owner, or empty. */
function passwordFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return `expected a readable file holding the broker password, got ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o044) !== 0)
    return `expected a file only its owner can read, got ${file} readable by ${(mode & 0o004) !== 0 ? "everyone" : "its group"} (mode ${mode.toString(8).padStart(3, "0")}): chmod 600 ${file}`;
  if ((text.split("\n", 1)[0] ?? "").replace(/\r$/, "") === "")
    return `expected the broker password on the first line of ${file}, got an empty line`;
  return undefined;
}

/** Why `file` is no CA certificate to trust: unreadable, or no PEM certificate Node can parse. */
function caFileProblem(file: string): string | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    return `expected a readable CA certificate file, got ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`;
  }
  if (!data.toString("latin1").includes("-----BEGIN CERTIFICATE-----"))
    return `expected a PEM certificate (-----BEGIN CERTIFICATE-----), got ${file} without one`;
  try {
    new X509Certificate(data);
  } catch (error) {
    return `expected a PEM certificate, got ${file} that does not parse (${(error as Error).message})`;
  }
  return undefined;
}
