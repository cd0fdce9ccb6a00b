/**
 * Which pages may open a WebSocket to this server. Browsers always send `Origin`; a page on another
 * site opening a socket to us (cross-site WebSocket hijacking) is refused unless listed. The
 * request's own `Host` is never the reference: a DNS-rebinding page at `evil.example` that points
 * that name at this server sends `Host: evil.example` along with `Origin: http://evil.example`.
 * Programs that send no `Origin` are not browsers acting for a user, so they are let through.
 */
import type { IncomingMessage } from "node:http";

/**
 * The origins a server answers to: `publicOrigins` (`PUBLIC_ORIGIN`) when configured, otherwise
 * `http://localhost:<port>` and `http://127.0.0.1:<port>`, where a browser on this machine opens
 * it; plus `allowedOrigins` (`ALLOWED_ORIGINS`).
 */
export function originsFor(port: number, publicOrigins: readonly string[] | undefined, allowedOrigins: readonly string[]): ReadonlySet<string> {
  const own = publicOrigins ?? [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  return new Set([...own, ...allowedOrigins]);
}

/** Whether a WebSocket upgrade may proceed: no `Origin` at all, or one of `origins`. */
export function isOriginAllowed(req: IncomingMessage, origins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origins.has(origin);
}
