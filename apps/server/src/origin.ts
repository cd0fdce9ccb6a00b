import type { IncomingMessage } from "node:http";

/**
 * Whether a WebSocket upgrade may proceed. Browsers always send `Origin`; a page on another site
 * opening a socket to us (cross-site WebSocket hijacking) is refused unless listed. Programs
 * that send no `Origin` are not browsers acting for a user, so they are let through.
 */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
