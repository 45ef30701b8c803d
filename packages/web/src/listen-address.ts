import { BlockList, isIP } from "node:net";
import type { ConfigIssue, RoomguardConfig } from "@roomguard/config";

/** `web.listen` taken apart: the host as node:net wants it (no brackets) and the port (0: any free one). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Splits `host:port` or `[v6]:port` (the schema has checked the form); throws on anything else. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) throw new Error(`expected host:port such as 127.0.0.1:8080, got "${text}"`);
  return { host: match[1] ?? match[2] ?? "", port };
}

// node:net's BlockList also matches `0:0:0:0:0:0:0:1` and `::ffff:127.0.0.1` (v4 mapped in v6).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * Whether only this machine can reach `host`: `localhost`, 127.0.0.0/8, `::1` in any spelling
 * and `::ffff:127.x.y.z`. `0.0.0.0` and `::` are every interface, so not loopback; any other
 * name is not either (it may resolve to anything).
 */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? "ipv6" : "ipv4");
}

/**
 * What `web.listen` and `web.tls` say together that the schema cannot check: a listener off
 * loopback without TLS carries passwords and cookies in the clear, so it needs `web.insecure`;
 * a certificate needs its key and the other way round.
 */
export function listenIssues(web: RoomguardConfig["web"]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { cert, key } = web.tls;
  if ((cert === null) !== (key === null))
    issues.push({
      path: cert === null ? "web.tls.cert" : "web.tls.key",
      message: "expected both tls.cert and tls.key (or neither), got only one: `roomguard web make-cert` writes a pair",
    });
  const { host } = parseListenAddress(web.listen);
  if (!isLoopbackHost(host) && cert === null && !web.insecure)
    issues.push({
      path: "web.listen",
      message: `${web.listen} is reachable from other machines: expected web.tls.cert and web.tls.key (\`roomguard web make-cert\`), or web.insecure: true to send passwords unencrypted`,
    });
  return issues;
}
