/**
 * tRPC over the WebSocket server: the chat's router with a session per connection, the
 * heartbeat, the transport policy, and a log line for each connection opened and closed.
 */
import type { BlockList } from "node:net";
import { appRouter, type ChatContext, REQUEST_ID_MAX_LENGTH } from "@chat/api";
import { TOKEN_EXPIRED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_REASON } from "@chat/api/close-codes";
import { applyWSSHandler, errorDetails, type WsTransport } from "@chat/trpc-ws";
import { TRPCError } from "@trpc/server";
import type { WebSocket, WebSocketServer } from "ws";
import { addressKey, clientAddress } from "./client-address.js";
import type { Config } from "./config.js";
import type { ConnectionIdentity } from "./connection-identity.js";
import type { Logger } from "./logger.js";
import type { ServerCounts } from "./server-counts.js";
import type { SessionFactory } from "./session-factory.js";
import type { TransportPolicy } from "./transport-policy.js";

/** What `serveChat` wires together. */
export interface ChatTransportDeps {
  wss: WebSocketServer;
  config: Pick<Config, "HEARTBEAT_INTERVAL_MS" | "HEARTBEAT_TIMEOUT_MS">;
  logger: Logger;
  /** The proxies whose `X-Forwarded-For` names the client (`trustedProxies`). */
  trustedProxies: BlockList;
  newSession: SessionFactory;
  /** Who a connection is, from its `connectionParams` (`connectionIdentity`). */
  identify: (params: Readonly<Record<string, string | undefined>> | null) => Promise<ConnectionIdentity>;
  policy: TransportPolicy;
  /** Where failed replies are counted; none when metrics are off. */
  counts?: ServerCounts;
}

/** Serves the chat's router on every socket `wss` opens. */
export function serveChat({ wss, config, logger, trustedProxies, newSession, identify, policy, counts }: ChatTransportDeps): WsTransport {
  return applyWSSHandler({
    wss,
    router: appRouter,
    // tRPC's heartbeat is a "PING" text message that a client answers with any message
    // ("PONG"); a connection quiet for the interval that then stays quiet for the timeout is
    // terminated, which ends its subscriptions and starts its rooms' leave grace.
    keepAlive: { enabled: true, pingMs: config.HEARTBEAT_INTERVAL_MS, pongWaitMs: config.HEARTBEAT_TIMEOUT_MS },
    createContext: async ({ req, res, info }): Promise<ChatContext> => {
      const ip = clientAddress(req, trustedProxies);
      const who = await identify(info.connectionParams);
      // Gone while its token was checked: a session made now would never be closed.
      if (res.readyState !== res.OPEN) throw new TRPCError({ code: "CLIENT_CLOSED_REQUEST", message: "The connection closed." });
      const context = newSession(addressKey(ip), who.identity);
      policy.opened(context, res);
      logger.info("connect", { connectionId: context.session.id, ip, identity: context.session.identity.kind });
      if (who.expired) res.close(TOKEN_EXPIRED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_REASON);
      else if (who.expiresAt !== null) closeAtExpiry(res, who.expiresAt);
      return context;
    },
    onClose: ({ ctx, code }) => {
      if (ctx === undefined) return;
      logger.info("close", { connectionId: ctx.session.id, code });
      // Starts the leave grace of the connection's rooms.
      ctx.close();
    },
    onError: (report) => {
      if (errorDetails(report)?.fromSocket !== true) counts?.replyError(report.path, report.error.code);
      policy.onError(report);
    },
    backpressure: policy.backpressure,
    requestsPerFrame: policy.requestsPerFrame,
    maxIdLength: REQUEST_ID_MAX_LENGTH,
  });
}

/** The longest delay `setTimeout` keeps (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes `socket` with 4001 "token expired" when its sign-in token runs out, so that nobody stays
 * signed in past it; the client reconnects with a fresh token. The timer ends with the socket.
 */
function closeAtExpiry(socket: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const waitMs = expiresAt - Date.now();
    timer = setTimeout(waitMs > MAX_TIMER_MS ? arm : () => socket.close(TOKEN_EXPIRED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_REASON), Math.min(Math.max(0, waitMs), MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.once("close", () => clearTimeout(timer));
}
