/**
 * tRPC over the WebSocket server: the chat's router with a session per connection, the
 * heartbeat, the transport policy, and a log line for each connection opened and closed.
 */
import type { BlockList } from "node:net";
import { appRouter, type ChatContext, REQUEST_ID_MAX_LENGTH } from "@chat/api";
import { applyWSSHandler, errorDetails, type WsTransport } from "@chat/trpc-ws";
import type { WebSocketServer } from "ws";
import { addressKey, clientAddress } from "./client-address.js";
import type { Config } from "./config.js";
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
  policy: TransportPolicy;
  /** Where failed replies are counted; none when metrics are off. */
  counts?: ServerCounts;
}

/** Serves the chat's router on every socket `wss` opens. */
export function serveChat({ wss, config, logger, trustedProxies, newSession, policy, counts }: ChatTransportDeps): WsTransport {
  return applyWSSHandler({
    wss,
    router: appRouter,
    // tRPC's heartbeat is a "PING" text message that a client answers with any message
    // ("PONG"); a connection quiet for the interval that then stays quiet for the timeout is
    // terminated, which ends its subscriptions and starts its rooms' leave grace.
    keepAlive: { enabled: true, pingMs: config.HEARTBEAT_INTERVAL_MS, pongWaitMs: config.HEARTBEAT_TIMEOUT_MS },
    createContext: ({ req, res }): ChatContext => {
      const ip = clientAddress(req, trustedProxies);
      const context = newSession(addressKey(ip));
      policy.opened(context, res);
      logger.info("connect", { connectionId: context.session.id, ip });
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
