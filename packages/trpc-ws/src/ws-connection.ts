/**
 * One connection of the transport (`ws-transport.ts`): its context, made from the upgrade request
 * and the client's `connectionParams` as tRPC does; the requests it sends; its subscriptions; its
 * heartbeat; and every answer, written through its `SocketWriter`.
 */
import type { IncomingMessage } from "node:http";
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type inferRouterContext,
  isTrackedEnvelope,
  TRPCError,
  transformTRPCResponse,
} from "@trpc/server";
import type { Encoder } from "@trpc/server/adapters/ws";
import { parseConnectionParamsFromUnknown, type TRPCRequestInfo } from "@trpc/server/http";
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCErrorShape, type TRPCResponseMessage } from "@trpc/server/rpc";
import type { RawData, WebSocket } from "ws";
import type { Heartbeat, HeartbeatMember } from "./heartbeat.js";
import { SocketWriter } from "./socket-writer.js";
import type { Call, ProcedureCall, RequestId, SubscriptionCall } from "./ws-call.js";
import { isStream, Subscription, type SubscriptionHost } from "./ws-subscription.js";
import { recordErrorDetails } from "./error-details.js";
import type { TransportOptions, TransportStats } from "./ws-transport.js";

/** What every connection of one handler uses. */
export interface Shared<TRouter extends AnyTRPCRouter> {
  opts: Omit<TransportOptions<TRouter>, "wss">;
  encoder: Encoder;
  /** The shared-frame maker, for JSON; null when another encoder encodes each message. */
  eventFrame: ((envelope: string, value: unknown) => Buffer) | null;
  keepAlive: { pingMs: number; pongWaitMs: number } | null;
  heartbeat: Heartbeat | null;
  /** The open connections. */
  connections: Set<Connection<TRouter>>;
  counts: Omit<TransportStats, "connections">;
}

/** What a client is answered when its error cannot be formatted: nothing of the error, as `errorFormatter` would have hidden it. */
const FALLBACK_ERROR_SHAPE: TRPCErrorShape = {
  code: -32603,
  message: "Internal server error",
  data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 },
};

/**
 * The signal of every query and mutation. As in tRPC's adapter, whose query signals nothing ever
 * aborts, a query or mutation runs to its end and its answer is dropped if the socket has gone: a
 * message being stored when its sender's connection drops must still be stored. One for all,
 * since a signal per call would cost an allocation per request for a signal that never fires.
 */
const NEVER_ABORTED = new AbortController().signal;

/** A failure that belongs to no request. */
const UNKNOWN_CALL: Call = { type: "unknown", path: undefined, input: undefined, frame: 0 };

/** Where the connection's context stands. */
type ContextState<TContext> = { ready: true; ctx: TContext } | { ready: false; failed: TRPCError | null };

/** A request received before the context was ready, kept until it is. */
interface Pending {
  request: TRPCClientOutgoingMessage;
  batchIndex: number;
  frame: number;
}

/** One socket: its context, its open subscriptions, the requests it sends, and its heartbeat. */
export class Connection<TRouter extends AnyTRPCRouter> implements HeartbeatMember, SubscriptionHost {
  private context: ContextState<inferRouterContext<TRouter>> = { ready: false, failed: null };
  /** Requests waiting for the context, in the order they came; null when none do. */
  private pending: Pending[] | null = null;
  /** A client made with `connectionParams` sends them first, and the context waits for them. */
  private connectionParamsDue: boolean;
  /** Aborted when the connection closes; made only if `createContext` reads `info.signal`. */
  private closed: AbortController | null = null;
  private readonly subscriptions = new Map<RequestId, Subscription>();
  /** Whether anything came from the client since the last beat. */
  private heard = true;
  /** When the client was last found quiet since it was last heard. */
  private quietSince = 0;
  /** When "PING" was sent for this quiet spell, if it was. */
  private pingedAt: number | null = null;
  /** Frames received so far: the number of the one being handled. */
  private frames = 0;
  readonly writer: SocketWriter;

  constructor(
    private readonly shared: Shared<TRouter>,
    readonly ws: WebSocket,
    private readonly req: IncomingMessage,
  ) {
    this.writer = new SocketWriter(ws, req.socket, shared.opts.backpressure ?? {}, (reason, bufferedAmount) => {
      shared.counts.slowConsumers++;
      shared.opts.backpressure?.onSlowConsumer?.({ ctx: this.ctx, reason, bufferedAmount });
    });
    shared.connections.add(this);
    shared.heartbeat?.add(this);
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    // Without a listener, a socket error (a bad frame's RangeError) would crash the process.
    ws.on("error", (cause) => this.callOnError(getTRPCErrorFromUnknown(cause), UNKNOWN_CALL, noop, true));
    ws.once("close", (code: number) => this.close(code));
    this.connectionParamsDue = new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") === "1";
    if (!this.connectionParamsDue) this.createContext(() => null);
  }

  /** The context, once made. */
  get ctx(): inferRouterContext<TRouter> | undefined {
    return this.context.ready ? this.context.ctx : undefined;
  }

  /** Sends the frame carrying `value` to the subscription whose envelope and request are given. */
  sendEvent(envelope: string, id: RequestId, jsonrpc: "2.0" | undefined, value: unknown): void {
    const { shared } = this;
    if (shared.eventFrame !== null) {
      const frame = shared.eventFrame(envelope, value);
      shared.counts.eventsSent++;
      shared.counts.eventBytesSent += frame.length;
      this.writer.send(frame);
      return;
    }
    const result = isTrackedEnvelope(value) ? { type: "data" as const, id: value[0], data: { id: value[0], data: value[1] } } : { type: "data" as const, data: value };
    const data = shared.encoder.encode(transformTRPCResponse(shared.opts.router._def._config, { id, jsonrpc, result }));
    shared.counts.eventsSent++;
    shared.counts.eventBytesSent += typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    this.sendRaw(data);
  }

  /** Sends what an encoder made: text as text, bytes as binary. */
  sendRaw(data: string | Uint8Array): void {
    this.writer.send(data, typeof data !== "string");
  }

  /** Sends a response, unless the socket is no longer open; throws if it cannot be encoded. */
  respond(message: TRPCResponseMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.sendRaw(this.shared.encoder.encode(transformTRPCResponse(this.shared.opts.router._def._config, message)));
  }

  /** Tells `onError` of a failure; returns it as a `TRPCError`. */
  report(cause: unknown, call: Call): TRPCError {
    const error = getTRPCErrorFromUnknown(cause);
    this.callOnError(error, call);
    return error;
  }

  /** Reports a failure and answers the request with its error shape (the fallback shape if even that cannot be sent). */
  fail(id: RequestId | null, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void {
    const error = this.report(cause, call);
    try {
      this.respond({ id, jsonrpc, error: this.errorShape(error, call) });
    } catch (failure) {
      this.reportInternal(getTRPCErrorFromUnknown(failure), call);
      try {
        this.respond({ id, jsonrpc, error: FALLBACK_ERROR_SHAPE });
      } catch {
        // The same failure, reported above.
      }
    }
  }

  /** Calls a procedure for this connection. */
  call(call: ProcedureCall, signal: AbortSignal, batchIndex: number): Promise<unknown> {
    const { router } = this.shared.opts;
    return callTRPCProcedure({ router, path: call.path, getRawInput: async () => call.input, ctx: this.ctx, type: call.type, signal, batchIndex });
  }

  /** Forgets a subscription that has ended. */
  forget(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.id) !== subscription) return;
    this.subscriptions.delete(subscription.id);
    this.shared.counts.subscriptions--;
  }

  beat(now: number): void {
    const { keepAlive } = this.shared;
    if (keepAlive === null) return;
    if (this.heard) {
      this.heard = false;
      this.quietSince = now;
      this.pingedAt = null;
    } else if (this.pingedAt !== null) {
      if (now - this.pingedAt >= keepAlive.pongWaitMs) this.ws.terminate();
    } else if (now - this.quietSince >= keepAlive.pingMs && this.ws.readyState === this.ws.OPEN) {
      this.writer.send("PING");
      this.pingedAt = now;
    }
  }

  /** Makes the context, as tRPC's adapter does: a failure is reported, answered with `id: null`, and the socket closed. */
  private createContext(connectionParams: () => TRPCRequestInfo["connectionParams"]): void {
    const { createContext } = this.shared.opts;
    let made: unknown;
    try {
      const closedSignal = (): AbortSignal => this.closedSignal();
      const info: TRPCRequestInfo = {
        connectionParams: connectionParams(),
        calls: [],
        isBatchCall: false,
        accept: null,
        type: "unknown",
        // A getter: an AbortSignal costs most of a kilobyte, and few contexts ever read it.
        get signal() {
          return closedSignal();
        },
        url: null,
      };
      made = createContext?.({ req: this.req, res: this.ws, info });
    } catch (cause) {
      this.contextFailed(cause);
      return;
    }
    if (made instanceof Promise) {
      made.then(
        (ctx: inferRouterContext<TRouter>) => this.contextReady(ctx),
        (cause: unknown) => this.contextFailed(cause),
      );
    } else this.contextReady(made as inferRouterContext<TRouter>);
  }

  private contextReady(ctx: inferRouterContext<TRouter>): void {
    this.context = { ready: true, ctx };
    this.runPending();
  }

  private contextFailed(cause: unknown): void {
    const error = getTRPCErrorFromUnknown(cause);
    this.context = { ready: false, failed: error };
    this.fail(null, undefined, error, UNKNOWN_CALL);
    // On the next turn, as tRPC does, so that the answers above are on their way first.
    setImmediate(() => this.ws.close());
    this.runPending();
  }

  /** The signal `createContext` is given: made the first time it is read, since most never do. */
  private closedSignal(): AbortSignal {
    this.closed ??= new AbortController();
    if (this.ws.readyState !== this.ws.OPEN && !this.closed.signal.aborted) this.closed.abort();
    return this.closed.signal;
  }

  private runPending(): void {
    const { pending } = this;
    this.pending = null;
    for (const { request, batchIndex, frame } of pending ?? []) this.handle(request, batchIndex, frame);
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.heard = true;
    this.frames++;
    this.shared.counts.framesReceived++;
    this.shared.counts.bytesReceived += byteLength(data);
    // A listener that threw would throw inside `ws`'s socket handling, and take the process down.
    try {
      if (!isBinary) {
        const text = data.toString();
        if (text === "PONG") return;
        if (text === "PING") {
          if (this.shared.opts.dangerouslyDisablePong !== true) this.writer.send("PONG");
          return;
        }
      }
      if (!Buffer.isBuffer(data)) {
        this.refuseFrame(new TRPCError({ code: "UNPROCESSABLE_CONTENT", message: "Unexpected WebSocket message format" }));
        return;
      }
      const message: string | Uint8Array = isBinary ? data : data.toString("utf8");
      if (this.connectionParamsDue) {
        this.connectionParamsDue = false;
        this.createContext(() => this.connectionParams(message));
        return;
      }
      const frame = this.frames;
      (this.parse(message) ?? []).forEach((request, batchIndex) => this.accept(request, batchIndex, frame));
    } catch (cause) {
      this.reportInternal(getTRPCErrorFromUnknown(cause), UNKNOWN_CALL);
    }
  }

  /** The `connectionParams` message's params; throws a PARSE_ERROR when it is not one. */
  private connectionParams(message: string | Uint8Array): TRPCRequestInfo["connectionParams"] {
    let parsed: unknown;
    try {
      parsed = this.shared.encoder.decode(message);
      if (typeof parsed !== "object" || parsed === null) throw new Error("Message was not an object");
    } catch (cause) {
      throw new TRPCError({ code: "PARSE_ERROR", message: "Malformed TRPCConnectionParamsMessage", cause });
    }
    return parseConnectionParamsFromUnknown((parsed as { data?: unknown }).data);
  }

  /** The requests in a frame, or null (and the client told) when it holds none to run. */
  private parse(message: string | Uint8Array): TRPCClientOutgoingMessage[] | null {
    const { opts, encoder } = this.shared;
    let decoded: unknown;
    try {
      decoded = encoder.decode(message);
    } catch (cause) {
      this.refuseFrame(new TRPCError({ code: "PARSE_ERROR", cause }));
      return null;
    }
    const raws = Array.isArray(decoded) ? decoded : [decoded];
    if (Array.isArray(decoded) && opts.maxBatchSize !== undefined && raws.length > opts.maxBatchSize) {
      this.refuseBatch(raws);
      return null;
    }
    try {
      return raws.map((raw) => parseTRPCMessage(raw, opts.router._def._config.transformer));
    } catch (cause) {
      this.refuseFrame(new TRPCError({ code: "PARSE_ERROR", cause }));
      return null;
    }
  }

  /** A batch over `maxBatchSize`: every request of it is answered BAD_REQUEST, none is run, as tRPC does. */
  private refuseBatch(raws: unknown[]): void {
    const error = this.report(new TRPCError({ code: "BAD_REQUEST", message: "Batch call exceeds maximum size" }), UNKNOWN_CALL);
    const shape = this.errorShape(error, UNKNOWN_CALL);
    let answered = false;
    for (const raw of raws) {
      if (typeof raw !== "object" || raw === null) continue;
      const { id, method, jsonrpc } = raw as Record<string, unknown>;
      if (method === "subscription.stop" || (typeof id !== "number" && typeof id !== "string")) continue;
      this.respondSafely({ id, jsonrpc: jsonrpc === "2.0" ? "2.0" : undefined, error: shape });
      answered = true;
    }
    if (!answered) this.respondSafely({ id: null, error: shape });
  }

  /** A request parsed: run now, or once the context is ready. */
  private accept(request: TRPCClientOutgoingMessage, batchIndex: number, frame: number): void {
    if (this.context.ready || this.context.failed !== null) this.handle(request, batchIndex, frame);
    else (this.pending ??= []).push({ request, batchIndex, frame });
  }

  private handle(request: TRPCClientOutgoingMessage, batchIndex: number, frame: number): void {
    const { id, jsonrpc } = request;
    const { opts } = this.shared;
    if (id === null) {
      this.fail(null, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }), UNKNOWN_CALL);
      return;
    }
    if (opts.maxIdLength !== undefined && typeof id === "string" && id.length > opts.maxIdLength) {
      this.fail(null, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: `Request ids are numbers or strings of at most ${opts.maxIdLength} characters.` }), UNKNOWN_CALL);
      return;
    }
    if (request.method === "subscription.stop") {
      this.subscriptions.get(id)?.stop();
      return;
    }
    const { path, lastEventId } = request.params;
    if (opts.requestsPerFrame !== undefined && batchIndex >= opts.requestsPerFrame.max) {
      this.fail(id, jsonrpc, opts.requestsPerFrame.error(), { type: request.method, path, input: undefined, frame });
      return;
    }
    const input = withLastEventId(request.params.input, lastEventId);
    if (request.method === "subscription") {
      this.subscribe(id, jsonrpc, { type: "subscription", path, input, frame }, batchIndex);
      return;
    }
    const call: ProcedureCall = { type: request.method, path, input, frame };
    if (!this.context.ready) {
      this.fail(id, jsonrpc, this.context.failed, call);
      return;
    }
    this.call(call, NEVER_ABORTED, batchIndex)
      .then((data: unknown) => {
        if (isStream(data)) {
          throw new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: `Cannot return an async iterable or observable from a ${call.type} procedure with WebSockets` });
        }
        this.respond({ id, jsonrpc, result: { type: "data", data } });
      })
      .catch((cause: unknown) => this.fail(id, jsonrpc, cause, call));
  }

  private subscribe(id: RequestId, jsonrpc: "2.0" | undefined, call: SubscriptionCall, batchIndex: number): void {
    if (this.subscriptions.has(id)) {
      this.fail(id, jsonrpc, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }), call);
      return;
    }
    if (!this.context.ready) {
      this.fail(id, jsonrpc, this.context.failed, call);
      return;
    }
    const subscription = new Subscription(this, id, jsonrpc, call);
    this.subscriptions.set(id, subscription);
    this.shared.counts.subscriptions++;
    void subscription.start(batchIndex);
  }

  /** The error shape a client is sent; the fallback shape (and the failure reported) when `errorFormatter` throws. */
  private errorShape(error: TRPCError, call: Call): TRPCErrorShape {
    try {
      return getTRPCErrorShape({ config: this.shared.opts.router._def._config, error, type: call.type, path: call.path, input: call.input, ctx: this.ctx });
    } catch (cause) {
      this.reportInternal(getTRPCErrorFromUnknown(cause), call);
      return FALLBACK_ERROR_SHAPE;
    }
  }

  /**
   * Answers a frame that holds no request to run (`id: null`). Not told to `onError`, as tRPC's
   * adapter does not: the frame is the client's mistake, answered, and costs nothing more.
   */
  private refuseFrame(error: TRPCError): void {
    this.respondSafely({ id: null, error: this.errorShape(error, UNKNOWN_CALL) });
  }

  /** Sends a response that answers no particular request; one that cannot be encoded is reported. */
  private respondSafely(message: TRPCResponseMessage): void {
    try {
      this.respond(message);
    } catch (cause) {
      this.reportInternal(getTRPCErrorFromUnknown(cause), UNKNOWN_CALL);
    }
  }

  /** `onError`, which runs in listeners and in promises nothing awaits: its throw or rejection is dropped. */
  private callOnError(error: TRPCError, call: Call, onFailure: () => void = noop, fromSocket = false): void {
    const { onError } = this.shared.opts;
    const info = { error, type: call.type, path: call.path, input: call.input, ctx: this.ctx, req: this.req };
    recordErrorDetails(info, { frame: call.frame, framesReceived: this.frames, fromSocket });
    try {
      // Typed to return nothing, yet an async one returns a promise, whose rejection must not go unhandled.
      const result: unknown = onError?.(info);
      if (result instanceof Promise) result.catch(onFailure);
    } catch {
      onFailure();
    }
  }

  /** A failure of the transport's own error handling: to `onError`, or logged when there is none or it fails. */
  private reportInternal(error: TRPCError, call: Call): void {
    // As tRPC's adapter does: a failure of the error handling itself must not vanish.
    // eslint-disable-next-line no-console
    const log = () => console.error("[@chat/trpc-ws]", error);
    if (this.shared.opts.onError === undefined) log();
    else this.callOnError(error, call, log);
  }

  private close(code: number): void {
    const { shared } = this;
    shared.connections.delete(this);
    shared.heartbeat?.delete(this);
    this.pending = null;
    for (const subscription of this.subscriptions.values()) subscription.stop();
    shared.counts.subscriptions -= this.subscriptions.size;
    this.subscriptions.clear();
    this.closed?.abort();
    shared.opts.onClose?.({ ctx: this.ctx, code });
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
  if (typeof input === "object" && input !== null && !Array.isArray(input)) return { ...input, lastEventId };
  return input ?? { lastEventId };
}

function noop(): void {}
