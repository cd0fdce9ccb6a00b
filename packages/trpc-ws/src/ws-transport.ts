/**
 * tRPC over WebSocket, as `@trpc/client`'s `wsLink` speaks it: a drop-in for `@trpc/server`'s
 * `applyWSSHandler`, taking its `WSSHandlerOptions` and answering as it does, down to the frame
 * (`conformance/` runs every scenario against both and compares). Procedures, input parsing, errors and
 * their shapes are tRPC's own (`callTRPCProcedure`, `parseTRPCMessage`, `getErrorShape`,
 * `transformTRPCResponse`); only the connection is ours.
 *
 * Why not tRPC's adapter: it pulls every subscription through a loop of its own, with a race
 * against the abort signal, a promise and two object spreads per event per subscriber, which was
 * about half the CPU of a delivery, and its per-subscription state was most of the memory of an
 * idle connection (docs/performance.md, "Profile"). Here a stream that can be pushed to
 * (`isPushStream`) has each event written to the socket the moment it is emitted, its frame made
 * once per event (`createEventFrames`), and each socket's writes of one turn leave in one write;
 * any other stream is iterated. Connections and subscriptions are classes, not nests of closures:
 * there are thousands. On top of tRPC's options it bounds what a connection may cost
 * (`backpressure`, `requestsPerFrame`, `maxIdLength`) and counts what it does (`stats`).
 */
import type { IncomingMessage } from "node:http";
import type { AnyTRPCRouter, inferRouterContext, TRPCError } from "@trpc/server";
import { type Encoder, jsonEncoder, type WSSHandlerOptions } from "@trpc/server/adapters/ws";
import type { TRPCReconnectNotification } from "@trpc/server/rpc";
import type { WebSocket } from "ws";
import { createEventFrames } from "./event-frames.js";
import { Heartbeat } from "./heartbeat.js";
import type { BackpressureOptions, SlowConsumerReason } from "./socket-writer.js";
import { Connection, type Shared } from "./ws-connection.js";


/** What the transport tells of a connection found to be a slow consumer, before closing it (`backpressure.close`). */
export interface SlowConsumerReport<TContext> {
  ctx: TContext | undefined;
  reason: SlowConsumerReason;
  bufferedAmount: number;
}

/**
 * `applyWSSHandler`'s options: tRPC's own, unchanged (so code written for tRPC's adapter, generic
 * code included, compiles against this one), and what this transport adds. `onError` is tRPC's;
 * what this transport knows more of a failure is read with `errorDetails(info)`.
 */
export type TransportOptions<TRouter extends AnyTRPCRouter> = WSSHandlerOptions<TRouter> & {
  /** What one connection may cost in unsent data (`SocketWriter`); by default nothing closes a connection. */
  backpressure?: BackpressureOptions & { onSlowConsumer?(report: SlowConsumerReport<inferRouterContext<TRouter>>): void };
  /**
   * Requests one frame may carry: each past `max` is answered with `error()` and not run, so one
   * small frame cannot buy unbounded work, and the connection lives on. (tRPC's `maxBatchSize`
   * refuses the whole batch instead.)
   */
  requestsPerFrame?: { max: number; error(): TRPCError };
  /** The longest string id a request may have: it is echoed in every answer and event of the request. */
  maxIdLength?: number;
  /** Told once when a connection has closed, after its subscriptions have stopped. */
  onClose?(info: { ctx: inferRouterContext<TRouter> | undefined; code: number }): void;
};

/** What a transport has done since it started, for metrics. Plain numbers: counting costs an add. */
export interface TransportStats {
  /** Open connections. */
  connections: number;
  /** Open subscriptions. */
  subscriptions: number;
  /** Frames received, and their bytes. */
  framesReceived: number;
  bytesReceived: number;
  /** Subscription events sent, and their bytes. */
  eventsSent: number;
  eventBytesSent: number;
  /** Connections closed as slow consumers. */
  slowConsumers: number;
}

/** The transport serving a `ws` server. */
export interface WsTransport {
  /** Asks every open client to reconnect, as before a shutdown. */
  broadcastReconnectNotification(): void;
  /** Counts since it started (`TransportStats`). */
  stats(): TransportStats;
  /** Writes every event still waiting for a lagging reader, so that closing after it loses none. */
  flushWaiting(): void;
}

/** tRPC's defaults for `keepAlive`. */
const PING_MS = 30_000;
const PONG_WAIT_MS = 5_000;

/** The connections of one handler, and what they share. */
interface Handler<TRouter extends AnyTRPCRouter> {
  onConnection(ws: WebSocket, req: IncomingMessage): void;
  shared: Shared<TRouter>;
}

function createHandler<TRouter extends AnyTRPCRouter>(opts: Omit<TransportOptions<TRouter>, "wss">): Handler<TRouter> {
  const { transformer } = opts.router._def._config;
  const encoder: Encoder = opts.experimental_encoder ?? jsonEncoder;
  const keepAlive = opts.keepAlive?.enabled === true ? { pingMs: opts.keepAlive.pingMs ?? PING_MS, pongWaitMs: opts.keepAlive.pongWaitMs ?? PONG_WAIT_MS } : null;
  const shared: Shared<TRouter> = {
    opts,
    encoder,
    // Frames shared between subscribers are JSON text; another encoder encodes each message itself.
    eventFrame: encoder === jsonEncoder ? createEventFrames(transformer) : null,
    keepAlive,
    heartbeat: keepAlive === null ? null : new Heartbeat(Math.min(keepAlive.pingMs, keepAlive.pongWaitMs) / 4),
    connections: new Set(),
    counts: { subscriptions: 0, framesReceived: 0, bytesReceived: 0, eventsSent: 0, eventBytesSent: 0, slowConsumers: 0 },
  };
  return { shared, onConnection: (ws, req) => new Connection(shared, ws, req) };
}

/**
 * Returns a `ws` connection listener that serves a router, as tRPC's `getWSConnectionHandler`
 * does: for attaching it to a WebSocket server of your own.
 */
export function getWSConnectionHandler<TRouter extends AnyTRPCRouter>(opts: Omit<TransportOptions<TRouter>, "wss">): (ws: WebSocket, req: IncomingMessage) => void {
  return createHandler(opts).onConnection;
}

/**
 * Serves `opts.router` on every connection `opts.wss` accepts (under `opts.prefix`, when given),
 * as tRPC's adapter does. It takes tRPC's options as they are (the union lets generic code pass
 * `WSSHandlerOptions<TRouter>`), or with what this transport adds.
 */
export function applyWSSHandler<TRouter extends AnyTRPCRouter>(options: WSSHandlerOptions<TRouter> | TransportOptions<TRouter>): WsTransport {
  // tRPC's options are these without the additions, which are all optional: the same thing, which
  // the type checker only cannot see through a generic router.
  const opts = options as TransportOptions<TRouter>;
  const { shared, onConnection } = createHandler(opts);
  opts.wss.on("connection", (ws, req) => {
    if (opts.prefix !== undefined && opts.prefix !== "" && req.url?.startsWith(opts.prefix) !== true) return;
    onConnection(ws, req);
  });
  return {
    broadcastReconnectNotification: () => {
      const notification: TRPCReconnectNotification = { id: null, method: "reconnect" };
      const data = shared.encoder.encode(notification);
      for (const connection of shared.connections) connection.sendRaw(data);
    },
    stats: () => ({ connections: shared.connections.size, ...shared.counts }),
    flushWaiting: () => {
      for (const connection of shared.connections) connection.writer.flushWaiting();
    },
  };
}
