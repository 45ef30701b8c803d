import { createPrivateKey, X509Certificate } from "node:crypto";

/** A certificate and its key, read and checked. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** When the certificate expires (epoch ms). */
  notAfterMs: number;
}

/**
 * Checks a PEM certificate and key: each parses, and the key is the certificate's. Throws an
 * Error saying which ("expected …, got …"); node's own TLS errors at listen time say neither.
 */
export function checkTlsPair(cert: Buffer, key: Buffer): TlsPair {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`expected a PEM certificate in tls.cert, got one node cannot read (${(error as Error).message})`, { cause: error });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`expected an unencrypted PEM private key in tls.key, got one node cannot read (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error("tls.key is not the key of tls.cert: expected the pair made together");
  return { cert, key, notAfterMs: Date.parse(certificate.validTo) };
}

/** Days before expiry from which the heartbeat carries a problem. */
export const EXPIRY_WARNING_DAYS = 14;

/** What to say of a certificate expiring at `notAfterMs`, or undefined while it has more than 14 days. */
export function expiryProblem(notAfterMs: number, nowMs: number): string | undefined {
  const days = (notAfterMs - nowMs) / 86_400_000;
  if (days <= 0)
    return `the dashboard's certificate expired on ${new Date(notAfterMs).toISOString()}: \`roomguard web make-cert\` makes a new one`;
  if (days < EXPIRY_WARNING_DAYS)
    return `the dashboard's certificate expires in ${Math.ceil(days)} days (${new Date(notAfterMs).toISOString()}): \`roomguard web make-cert\` makes a new one`;
  return undefined;
}
