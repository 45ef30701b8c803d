import { resolveConfigPath, type ConfigIssue, type LoadedConfig } from "@roomguard/config";
import type { Socket } from "zeromq";
import {
  HOST_KEY,
  publicKeyFile,
  type KeyFileError,
  readKeyPair,
  readPublicKey,
  ROUTER_KEY,
  secretKeyFile,
  type CurvePair,
} from "./curve-keys.js";

/** The ZAP domain every roomguard CURVE server uses; the ZAP handler answers it alone. */
export const ZAP_DOMAIN = "roomguard";

/** What a socket connecting to a CURVE server needs: its own pair and the server's public key. */
export interface CurveClientKeys extends CurvePair {
  serverKey: string;
}

/**
 * Whether an endpoint must be encrypted and authenticated: TCP on anything but loopback. ipc
 * sockets are guarded by file permissions, loopback by being this machine's alone.
 */
export function needsCurve(endpoint: string): boolean {
  if (!endpoint.startsWith("tcp://")) return false;
  const host = /^tcp:\/\/([^:/]+|\[[^\]]+\]):/.exec(endpoint)?.[1] ?? "";
  return !(host === "localhost" || host.startsWith("127.") || host === "[::1]");
}

/** The keys directory of a config (`bus.keys`, resolved against the config file's directory). */
export function keysDirOf(loaded: LoadedConfig): string {
  return resolveConfigPath(loaded, loaded.config.bus.keys);
}

/**
 * This host's client keys for the router, from the keys directory: the host pair and the
 * router's public key (on another machine, `router.key` is the remote router's, copied there).
 */
export function hostClientKeys(keysDir: string): CurveClientKeys {
  return { ...readKeyPair(secretKeyFile(keysDir, HOST_KEY)), serverKey: readPublicKey(publicKeyFile(keysDir, ROUTER_KEY)) };
}

/** The router's own pair, for the endpoints it binds that need CURVE. */
export function routerServerKeys(keysDir: string): CurvePair {
  return readKeyPair(secretKeyFile(keysDir, ROUTER_KEY));
}

/**
 * Makes the socket's next connect a CURVE client's. libzmq takes security options at each
 * connect and bind, so one socket can hold a plain and a CURVE endpoint.
 */
export function useCurveClient(socket: Socket, keys: CurveClientKeys): void {
  setBeforeNextBind(() => {
    socket.curveServerKey = keys.serverKey;
    socket.curvePublicKey = keys.publicKey;
    socket.curveSecretKey = keys.secretKey;
  });
}

/** Makes the socket's next bind a CURVE server's, whose clients the ZAP handler admits. */
export function useCurveServer(socket: Socket, keys: CurvePair): void {
  setBeforeNextBind(() => {
    socket.curveServer = true;
    socket.curvePublicKey = keys.publicKey;
    socket.curveSecretKey = keys.secretKey;
    socket.zapDomain = ZAP_DOMAIN;
  });
}

/**
 * For a plain endpoint of a socket that already has a CURVE one: its ZAP domain cannot be
 * unset (libzmq refuses an empty one), and with a domain libzmq asks ZAP about plain clients
 * too, so these are asked under their own domain, which the ZAP handler admits.
 */
export const PLAIN_ZAP_DOMAIN = "roomguard-plain";

/** Makes the socket's next bind plain again (after a CURVE bind). */
export function usePlainServer(socket: Socket): void {
  setBeforeNextBind(() => {
    socket.curveServer = false;
    socket.zapDomain = PLAIN_ZAP_DOMAIN;
  });
}

/**
 * Sets options meant for the next bind or connect. zeromq.js warns that options set after a
 * bind do not apply to it, which is true and exactly the intent: keep the warning out of logs.
 */
export function setBeforeNextBind(set: () => void): void {
  const descriptor = Object.getOwnPropertyDescriptor(process, "emitWarning");
  process.emitWarning = () => undefined;
  try {
    set();
  } finally {
    if (descriptor) Object.defineProperty(process, "emitWarning", descriptor);
  }
}

/** The config issue for a LAN endpoint whose CURVE keys cannot be used: the endpoint, the file and the fix. */
export function curveKeyIssue(endpoint: string, error: KeyFileError): ConfigIssue {
  return { path: "bus.keys", message: `${endpoint} is not loopback or ipc, so it needs CURVE keys: ${error.message}` };
}
