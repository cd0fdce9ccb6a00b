/**
 * tRPC over WebSocket, as `@trpc/client`'s `wsLink` speaks it: requests and batches of them,
 * subscriptions resumed from `lastEventId`, `subscription.stop`, PING/PONG and the reconnect
 * notice. Procedures, input parsing, errors and their shapes are tRPC's own (`callTRPCProcedure`,
 * `parseTRPCMessage`, `getTRPCErrorShape`, `transformTRPCResponse`); only the connection is ours.
 *
 * Why not tRPC's `applyWSSHandler`: it pulls every subscription through a loop of its own, with an
 * `Unpromise.race` against the abort signal, a promise and two object spreads per event per
 * subscriber, which was about half the CPU of a delivery, and its per-subscription state was most
 * of the memory of an idle connection (docs/performance.md, "Profile"). Here a stream that can be
 * pushed to (`isPushStream`, as both brokers' are) has each event written to the socket the moment
 * it is emitted, its frame made once per event (`createEventFrames`); any other stream is
 * iterated. Connections and subscriptions are classes, not nests of closures: there are thousands.
 */
import type { IncomingMessage } from "node:http";
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type inferRouterContext,
  TRPCError,
  transformTRPCResponse,
} from "@trpc/server";
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCResponseMessage } from "@trpc/server/rpc";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { createEventFrames } from "./event-frames.js";
import { Heartbeat, type HeartbeatMember } from "./heartbeat.js";
import { type BackpressureOptions, type SlowConsumerReason, SocketWriter } from "./socket-writer.js";
import type { Call, ProcedureCall, RequestId, SubscriptionCall } from "./ws-call.js";
import { Subscription, type SubscriptionHost } from "./ws-subscription.js";

/** A failure, for the server's log: answered to a client, or one that no request waits for. */
export interface TransportError<TContext> {
  error: TRPCError;
  type: Call["type"];
  path: string | undefined;
  ctx: TContext;
  /** The frame of the connection the request came in (1 for the first), 0 for no request. */
  frame: number;
  /** How many frames the connection had received when the failure was reported. */
  framesReceived: number;
}

/** What the transport tells of a connection found to be a slow consumer, before closing it with 4008. */
export interface SlowConsumerReport<TContext> {
  ctx: TContext;
  reason: SlowConsumerReason;
  bufferedAmount: number;
}

/** How `applyWsTransport` serves a router. */
export interface WsTransportOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Builds a connection's context as it opens. */
  createContext(connection: { ws: WebSocket; req: IncomingMessage }): inferRouterContext<TRouter>;
  /** Told once when a connection has closed, after its subscriptions have stopped. */
  onClose(ctx: inferRouterContext<TRouter>, code: number): void;
  /** Told of every failure, whether or not a client was answered. */
  onError(report: TransportError<inferRouterContext<TRouter>>): void;
  /**
   * tRPC's heartbeat: "PING" after `pingMs` of quiet, and the connection cut if nothing comes
   * within `pongWaitMs` (either give or take a quarter of the shorter one).
   */
  keepAlive: { pingMs: number; pongWaitMs: number };
  /** What one connection may cost in unsent data (`SocketWriter`). */
  backpressure: BackpressureOptions & { onSlowConsumer(report: SlowConsumerReport<inferRouterContext<TRouter>>): void };
  /**
   * Requests one frame may carry: each past `max` is answered with `error()` and not run, so one
   * small frame cannot buy unbounded work, and the connection lives on.
   */
  batchLimit: { max: number; error(): TRPCError };
}

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
  /** Counts since it started (`TransportStats`). */
  stats(): TransportStats;
  /** Asks every open client to reconnect, as before a shutdown. */
  broadcastReconnectNotification(): void;
  /** Writes every event still waiting for a lagging reader, so that closing after it loses none. */
  flushWaiting(): void;
}

/** What `@trpc/client` reconnects on. */
const RECONNECT_NOTIFICATION = JSON.stringify({ id: null, method: "reconnect" });

/** A failure that belongs to no request. */
const UNKNOWN_CALL: Call = { type: "unknown", path: undefined, input: undefined, frame: 0 };

/** The longest string id a request may have: it is echoed in every answer and event of the request. */
const MAX_ID_LENGTH = 64;

/** Serves `options.router` on every connection `wss` accepts. */
export function applyWsTransport<TRouter extends AnyTRPCRouter>(wss: WebSocketServer, options: WsTransportOptions<TRouter>): WsTransport {
  const { pingMs, pongWaitMs } = options.keepAlive;
  const shared: Shared<inferRouterContext<TRouter>> = {
    ...options,
    eventFrame: createEventFrames(options.router._def._config.transformer),
    heartbeat: new Heartbeat(Math.min(pingMs, pongWaitMs) / 4),
    connections: new Set(),
    counts: { subscriptions: 0, framesReceived: 0, bytesReceived: 0, eventsSent: 0, eventBytesSent: 0, slowConsumers: 0 },
  };
  wss.on("connection", (ws, req) => new Connection(shared, ws, req));
  return {
    stats: () => ({ connections: shared.connections.size, ...shared.counts }),
    broadcastReconnectNotification: () => {
      for (const connection of shared.connections) connection.writer.send(RECONNECT_NOTIFICATION);
    },
    flushWaiting: () => {
      for (const connection of shared.connections) connection.writer.flushWaiting();
    },
  };
}

/** What every connection of one transport uses. */
interface Shared<TContext> {
  router: AnyTRPCRouter;
  createContext(connection: { ws: WebSocket; req: IncomingMessage }): TContext;
  onClose(ctx: TContext, code: number): void;
  onError(report: TransportError<TContext>): void;
  keepAlive: { pingMs: number; pongWaitMs: number };
  backpressure: WsTransportOptions<AnyTRPCRouter>["backpressure"] & { onSlowConsumer(report: SlowConsumerReport<TContext>): void };
  batchLimit: { max: number; error(): TRPCError };
  eventFrame: (envelope: string, value: unknown) => Buffer;
  heartbeat: Heartbeat;
  /** The open connections. */
  connections: Set<Connection<TContext>>;
  counts: Omit<TransportStats, "connections">;
}

/** One socket: its context, its open subscriptions, the requests it sends, and its heartbeat. */
class Connection<TContext> implements HeartbeatMember, SubscriptionHost {
  private readonly ctx: TContext;
  /** Whether anything came from the client since the last beat. */
  private heard = true;
  /** When the client was last found quiet since it was last heard. */
  private quietSince = 0;
  /** When "PING" was sent for this quiet spell, if it was. */
  private pingedAt: number | null = null;
  private readonly subscriptions = new Map<RequestId, Subscription>();
  /** A client made with `connectionParams` sends them first; no context here reads them. */
  private connectionParamsDue: boolean;
  /** Frames received so far: the number of the one being handled. */
  private frames = 0;
  readonly writer: SocketWriter;

  constructor(
    readonly shared: Shared<TContext>,
    readonly ws: WebSocket,
    req: IncomingMessage,
  ) {
    this.ctx = shared.createContext({ ws, req });
    this.connectionParamsDue = new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") === "1";
    this.writer = new SocketWriter(ws, req.socket, shared.backpressure, (reason, bufferedAmount) => {
      shared.counts.slowConsumers++;
      shared.backpressure.onSlowConsumer({ ctx: this.ctx, reason, bufferedAmount });
    });
    shared.connections.add(this);
    shared.heartbeat.add(this);
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.once("close", (code: number) => this.close(code));
  }

  /** Sends the frame carrying `value` to the subscription whose envelope is given. */
  sendEvent(envelope: string, value: unknown): void {
    const frame = this.shared.eventFrame(envelope, value);
    this.shared.counts.eventsSent++;
    this.shared.counts.eventBytesSent += frame.length;
    this.writer.send(frame);
  }

  /** Sends a response, unless the socket is no longer open. */
  respond(message: TRPCResponseMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.writer.send(JSON.stringify(transformTRPCResponse(this.shared.router._def._config, message)));
  }

  /** Tells the server's log of a failure; returns it as a `TRPCError`. */
  report(cause: unknown, call: Call): TRPCError {
    const error = getTRPCErrorFromUnknown(cause);
    this.shared.onError({ error, type: call.type, path: call.path, ctx: this.ctx, frame: call.frame, framesReceived: this.frames });
    return error;
  }

  /** Reports a failure and answers the request with its error shape. */
  fail(id: RequestId | null, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void {
    const error = this.report(cause, call);
    this.respond({ id, jsonrpc, error: getTRPCErrorShape({ config: this.shared.router._def._config, error, ...call, ctx: this.ctx }) });
  }

  /** Calls a procedure for this connection. */
  call(call: ProcedureCall, signal: AbortSignal | undefined, batchIndex: number): Promise<unknown> {
    const { router } = this.shared;
    return callTRPCProcedure({ router, path: call.path, getRawInput: async () => call.input, ctx: this.ctx, type: call.type, signal, batchIndex });
  }

  /** Forgets a subscription that has ended. */
  forget(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.id) !== subscription) return;
    this.subscriptions.delete(subscription.id);
    this.shared.counts.subscriptions--;
  }

  beat(now: number): void {
    if (this.heard) {
      this.heard = false;
      this.quietSince = now;
      this.pingedAt = null;
    } else if (this.pingedAt !== null) {
      if (now - this.pingedAt >= this.shared.keepAlive.pongWaitMs) this.ws.terminate();
    } else if (now - this.quietSince >= this.shared.keepAlive.pingMs && this.ws.readyState === this.ws.OPEN) {
      this.writer.send("PING");
      this.pingedAt = now;
    }
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.heard = true;
    this.frames++;
    this.shared.counts.framesReceived++;
    this.shared.counts.bytesReceived += byteLength(data);
    // A listener that threw would throw inside `ws`'s socket handling, and take the process down.
    try {
      const text = isBinary ? null : data.toString();
      if (text === "PONG") return;
      if (text === "PING") {
        this.writer.send("PONG");
        return;
      }
      if (this.connectionParamsDue) {
        this.connectionParamsDue = false;
        return;
      }
      this.parse(text)?.forEach((request, batchIndex) => this.handle(request, batchIndex));
    } catch (cause) {
      this.report(cause, UNKNOWN_CALL);
    }
  }

  /** The requests in a text frame, or null (and the client told) when it holds none. */
  private parse(text: string | null): TRPCClientOutgoingMessage[] | null {
    try {
      if (text === null) throw new Error("Binary frames are not part of the protocol; requests are JSON text.");
      const json: unknown = JSON.parse(text);
      return (Array.isArray(json) ? json : [json]).map((raw) => parseTRPCMessage(raw, this.shared.router._def._config.transformer));
    } catch (cause) {
      this.fail(null, undefined, new TRPCError({ code: "PARSE_ERROR", cause }), UNKNOWN_CALL);
      return null;
    }
  }

  private handle(request: TRPCClientOutgoingMessage, batchIndex: number): void {
    const { id, jsonrpc } = request;
    if (id === null) {
      this.fail(null, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }), UNKNOWN_CALL);
      return;
    }
    if (typeof id === "string" && id.length > MAX_ID_LENGTH) {
      this.fail(null, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: `Request ids are numbers or strings of at most ${MAX_ID_LENGTH} characters.` }), UNKNOWN_CALL);
      return;
    }
    if (request.method === "subscription.stop") {
      this.subscriptions.get(id)?.stop();
      return;
    }
    const { path, lastEventId } = request.params;
    const frame = this.frames;
    if (batchIndex >= this.shared.batchLimit.max) {
      this.fail(id, jsonrpc, this.shared.batchLimit.error(), { type: request.method, path, input: undefined, frame });
      return;
    }
    const input = withLastEventId(request.params.input, lastEventId);
    if (request.method === "subscription") {
      this.subscribe(id, jsonrpc, { type: "subscription", path, input, frame }, batchIndex);
      return;
    }
    const call = { type: request.method, path, input, frame };
    // No signal: a query or mutation runs to its end, and its answer is dropped if the socket has gone.
    // An answer that cannot be serialised is answered with an error too, rather than never.
    this.call(call, undefined, batchIndex)
      .then((data: unknown) => this.respond({ id, jsonrpc, result: { type: "data", data } }))
      .catch((cause: unknown) => this.fail(id, jsonrpc, cause, call));
  }

  private subscribe(id: RequestId, jsonrpc: "2.0" | undefined, call: SubscriptionCall, batchIndex: number): void {
    if (this.subscriptions.has(id)) {
      this.fail(id, jsonrpc, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }), call);
      return;
    }
    const subscription = new Subscription(this, id, jsonrpc, call);
    this.subscriptions.set(id, subscription);
    this.shared.counts.subscriptions++;
    void subscription.start(batchIndex);
  }

  private close(code: number): void {
    this.shared.connections.delete(this);
    this.shared.heartbeat.delete(this);
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.shared.counts.subscriptions -= this.subscriptions.size;
    this.subscriptions.clear();
    this.shared.onClose(this.ctx, code);
  }
}

/** The size of a received message, whichever form `ws` gives it in. */
function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, chunk) => sum + chunk.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** The input a subscription resumes with: `lastEventId` travels beside the input, and procedures read it inside. */
function withLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  if (typeof input === "object" && input !== null) return { ...input, lastEventId };
  return input ?? { lastEventId };
}
