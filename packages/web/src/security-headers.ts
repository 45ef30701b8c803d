import { createHash } from "node:crypto";

/** The CSP source for an inline script: `'sha256-<base64>'` of its exact text (the import map's). */
export function inlineScriptSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * The Content-Security-Policy of every answer: scripts, styles, images and the WebSocket from
 * this origin only (`connect-src 'self'` covers ws:/wss: to it), plus the inline scripts given
 * by hash (the page's import map); no plug-ins, no `<base>`, forms only to us, no framing.
 */
export function contentSecurityPolicy(inlineScripts: readonly string[] = []): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...inlineScripts.map(inlineScriptSource)].join(" "),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Headers on every answer: the CSP above; no MIME sniffing; no framing for browsers without
 * `frame-ancestors` (clickjacking a keypad); no Referer leaving the page; no cross-origin
 * opener or embedding.
 */
export function securityHeaders(inlineScripts: readonly string[] = []): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(inlineScripts),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
}
