import { Router, type Context } from "zeromq";
import { keyFingerprint, z85Encode } from "./curve-keys.js";
import { PLAIN_ZAP_DOMAIN, ZAP_DOMAIN } from "./curve.js";

/** Where libzmq asks, inside a context, whether a client may in (ZAP, RFC 27). */
const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

export interface ZapOptions {
  /** The context of the CURVE server sockets: ZAP is asked inside it. */
  context: Context;
  /** The name a client key is allowed under, or undefined: refused. */
  admit: (publicKey: string) => string | undefined;
  /** A key refused at the handshake: the peer's address and the key's fingerprint, never the key. */
  onRefused?: (refusal: { address: string; fingerprint: string }) => void;
}

export interface ZapHandler {
  close(): void;
}

/**
 * Answers ZAP requests: libzmq has no authenticator of its own, and without one a CURVE server
 * encrypts but lets any key in. Bind it before the server sockets bind. Each CURVE handshake
 * is asked here once; the answer is the allow-list's at that moment.
 */
export async function serveZap(options: ZapOptions): Promise<ZapHandler> {
  const socket = new Router({ context: options.context, linger: 0 });
  await socket.bind(ZAP_ENDPOINT);
  void (async () => {
    for await (const frames of socket) {
      // identity, delimiter, version, request id, domain, address, routing id, mechanism, credentials…
      const [identity, delimiter, version, requestId, domain, address, , mechanism, key] = frames;
      if (!identity || !delimiter || !requestId) continue;
      let status = "400";
      let text = "refused";
      let user = "";
      if (version?.toString() !== "1.0") {
        text = "unsupported ZAP version";
      } else if (domain?.toString() === PLAIN_ZAP_DOMAIN && mechanism?.toString() === "NULL") {
        status = "200"; // a plain endpoint bound after a CURVE one on the same socket (usePlainServer)
        text = "OK";
      } else if (domain?.toString() !== ZAP_DOMAIN || mechanism?.toString() !== "CURVE" || key?.length !== 32) {
        text = "only CURVE clients of the roomguard domain";
      } else {
        const publicKey = z85Encode(key);
        const name = options.admit(publicKey);
        if (name !== undefined) {
          status = "200";
          text = "OK";
          user = name;
        } else {
          options.onRefused?.({ address: address?.toString() ?? "?", fingerprint: keyFingerprint(publicKey) });
        }
      }
      await socket.send([identity, delimiter, "1.0", requestId, status, text, user, ""]).catch(() => undefined);
    }
  })().catch(() => undefined);
  return { close: () => socket.close() };
}
