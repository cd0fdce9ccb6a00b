/**
 * How the server's transport treats connections that ask too much: what one connection may cost
 * in unsent data (slow consumers, 4008), how many requests one frame may carry, and when a
 * connection that keeps calling after being told to wait is cut off (1008). The log lines of all
 * three, and of every failure, carry the connection's id.
 */
import { ChatError, type ChatContext, type Clock, REQUESTS_PER_FRAME_MAX, REPLAY_LIMIT } from "@chat/api";
import { FLOOD_CLOSE_CODE, FLOOD_CLOSE_REASON } from "@chat/api/close-codes";
import { TRPCError } from "@trpc/server";
import type { WebSocket } from "ws";
import type { Config } from "./config.js";
import { FloodWatch } from "./flood-watch.js";
import { LogThrottle } from "./log-throttle.js";
import type { Logger } from "./logger.js";
import type { Tally } from "./tally.js";
import type { SlowConsumerReport, TransportError, WsTransportOptions } from "./transport/ws-transport.js";

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

/** The policy's parts, as `applyWsTransport` takes them, and what the server tells it of each connection. */
export interface TransportPolicy {
  /** A connection opened with this context on this socket: its flood watch starts. */
  opened(ctx: ChatContext, ws: WebSocket): void;
  /** The id a socket's log lines carry. */
  connectionId(ws: WebSocket): string | undefined;
  onError(report: TransportError<ChatContext>): void;
  backpressure: WsTransportOptions<never>["backpressure"] & { onSlowConsumer(report: SlowConsumerReport<ChatContext>): void };
  batchLimit: WsTransportOptions<never>["batchLimit"];
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
  const ids = new WeakMap<WebSocket, string>();
  return {
    opened(ctx, ws) {
      ids.set(ws, ctx.session.id);
      sockets.set(ctx, ws);
    },
    connectionId: (ws) => ids.get(ws),
    onError({ error, path, type, ctx, frame, framesReceived }) {
      const connectionId = ctx.session.id;
      if (error.code === "TOO_MANY_REQUESTS") {
        floodOf(ctx)?.refused(path ?? "", frame, framesReceived, retryAfterOf(error));
        const refusals = refusalLogs.take(connectionId);
        if (refusals > 0) logger.warn("rate_limited", { connectionId, path, refusals });
      } else if (error.code === "INTERNAL_SERVER_ERROR") logger.error("procedure_failed", { connectionId, path, type, error });
      else logger.debug("procedure_refused", { connectionId, path, code: error.code });
    },
    backpressure: {
      maxBytes: config.SLOW_CONSUMER_MAX_BYTES,
      drainMs: config.SLOW_CONSUMER_DRAIN_MS,
      // Every subscription replaying all it may at once, and then some: only a reader that
      // stops reading gets past it.
      maxWaiting: config.MAX_SUBSCRIPTIONS_PER_CONNECTION * (REPLAY_LIMIT + 1) + 10_000,
      onSlowConsumer: ({ ctx, reason, bufferedAmount }) => logger.warn("slow_consumer", { connectionId: ctx.session.id, reason, bufferedAmount }),
    },
    batchLimit: {
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

/** The wait a refusal named, if any. */
function retryAfterOf(error: TRPCError): number | null {
  return error.cause instanceof ChatError ? (error.cause.retryAfterMs ?? null) : null;
}
