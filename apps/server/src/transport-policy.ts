/**
 * How the server's transport treats connections that ask too much: what one connection may cost
 * in unsent data (slow consumers, 4008), how many requests one frame may carry, and when a
 * connection that keeps calling after being told to wait is cut off (1008). The log lines of all
 * three, and of every failure, carry the connection's id.
 */
import { type AppRouter, ChatError, type ChatContext, type Clock, REQUESTS_PER_FRAME_MAX, REPLAY_LIMIT } from "@chat/api";
import { FLOOD_CLOSE_CODE, FLOOD_CLOSE_REASON, SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_CLOSE_REASON } from "@chat/api/close-codes";
import { type ErrorDetails, errorDetails, type TransportOptions } from "@chat/trpc-ws";
import { TRPCError } from "@trpc/server";
import type { WebSocket } from "ws";
import type { Config } from "./config.js";
import { FloodWatch } from "./flood-watch.js";
import { LogThrottle } from "./log-throttle.js";
import type { Logger } from "./logger.js";
import type { Tally } from "./tally.js";

/** How long a client is told to wait before sending the requests of a frame past the limit again. */
const BATCH_RETRY_MS = 1000;
/** A connection's refusals are logged at most once per this long, with how many there were: a flood must not flood the log. */
const REFUSAL_LOG_MS = 1000;

/** What `transportPolicy` is made from. */
export interface TransportPolicyDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Where connections closed as flooders are counted, for metrics. */
  serverDisconnects?: Tally<[code: string]>;
}

/** The policy's parts, as `applyWSSHandler` takes them, and what the server tells it of each connection. */
export interface TransportPolicy extends Required<Pick<TransportOptions<AppRouter>, "backpressure" | "requestsPerFrame">> {
  /** A connection opened with this context on this socket: its flood watch starts. */
  opened(ctx: ChatContext, ws: WebSocket): void;
  onError(report: Parameters<NonNullable<TransportOptions<AppRouter>["onError"]>>[0]): void;
}

/** The server's transport policy. */
export function transportPolicy({ config, clock, logger, serverDisconnects }: TransportPolicyDeps): TransportPolicy {
  const strikes = { limit: config.RATE_LIMIT_STRIKES, windowMs: 10_000 };
  const sockets = new WeakMap<ChatContext, WebSocket>();
  // Made at a connection's first refusal: most connections are never refused, and a watch per
  // idle connection would cost memory for each of thousands.
  const floods = new WeakMap<ChatContext, FloodWatch>();
  const floodOf = (ctx: ChatContext): FloodWatch | undefined => {
    const known = floods.get(ctx);
    if (known !== undefined) return known;
    const ws = sockets.get(ctx);
    if (ws === undefined) return undefined;
    const flood = new FloodWatch(strikes, clock, () => {
      serverDisconnects?.add(String(FLOOD_CLOSE_CODE));
      ws.close(FLOOD_CLOSE_CODE, FLOOD_CLOSE_REASON);
    });
    floods.set(ctx, flood);
    return flood;
  };
  const refusalLogs = new LogThrottle(REFUSAL_LOG_MS, clock);
  return {
    opened(ctx, ws) {
      sockets.set(ctx, ws);
    },
    onError(report) {
      const { error, path, type, ctx } = report;
      const { frame, framesReceived, fromSocket } = errorDetails(report) ?? NO_DETAILS;
      const connectionId = ctx?.session.id;
      // A frame `ws` refused (too big, bad UTF-8) is the client's fault, and its socket is closed for it.
      if (fromSocket) logger.debug("socket_error", { connectionId, error: error.message });
      else if (ctx === undefined) logger.error("transport_failed", { error });
      else if (error.code === "TOO_MANY_REQUESTS") {
        floodOf(ctx)?.refused(path ?? "", frame, framesReceived, retryAfterOf(error));
        const refusals = refusalLogs.take(ctx.session.id);
        if (refusals > 0) logger.warn("rate_limited", { connectionId, path, refusals });
      } else if (error.code === "INTERNAL_SERVER_ERROR") logger.error("procedure_failed", { connectionId, path, type, error });
      else logger.debug("procedure_refused", { connectionId, path, code: error.code });
    },
    backpressure: {
      close: { code: SLOW_CONSUMER_CLOSE_CODE, reason: SLOW_CONSUMER_CLOSE_REASON },
      maxBytes: config.SLOW_CONSUMER_MAX_BYTES,
      drainMs: config.SLOW_CONSUMER_DRAIN_MS,
      // Every subscription replaying all it may at once, and then some: only a reader that
      // stops reading gets past it.
      maxWaiting: config.MAX_SUBSCRIPTIONS_PER_CONNECTION * (REPLAY_LIMIT + 1) + 10_000,
      onSlowConsumer: ({ ctx, reason, bufferedAmount }) => logger.warn("slow_consumer", { connectionId: ctx?.session.id, reason, bufferedAmount }),
    },
    requestsPerFrame: {
      max: REQUESTS_PER_FRAME_MAX,
      error: () => {
        const cause = new ChatError(
          "RATE_LIMITED",
          `One message may carry at most ${REQUESTS_PER_FRAME_MAX} requests; this one was not run. Send it again.`,
          BATCH_RETRY_MS,
        );
        return new TRPCError({ code: "TOO_MANY_REQUESTS", message: cause.message, cause });
      },
    },
  };
}

/** For a report without the transport's details (none comes without them): no frame, not the socket's. */
const NO_DETAILS: ErrorDetails = { frame: 0, framesReceived: 0, fromSocket: false };

/** The wait a refusal named, if any. */
function retryAfterOf(error: TRPCError): number | null {
  return error.cause instanceof ChatError ? (error.cause.retryAfterMs ?? null) : null;
}
