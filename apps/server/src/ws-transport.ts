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
 * it is emitted, its text made once per event (`createEventText`); any other stream is iterated.
 */
import type { IncomingMessage } from "node:http";
import { isPushStream } from "@chat/api";
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type inferRouterContext,
  TRPCError,
  transformTRPCResponse,
} from "@trpc/server";
import { handleKeepAlive } from "@trpc/server/adapters/ws";
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCResponseMessage } from "@trpc/server/rpc";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { createEventText } from "./event-text.js";

/** A request's id, as the client chose it. */
type RequestId = number | string;

/** What a request asked for, for error shapes and reports. */
interface Call {
  type: "query" | "mutation" | "subscription" | "unknown";
  path: string | undefined;
  input: unknown;
}

/** A failure, for the server's log: answered to a client, or one that no request waits for. */
export interface TransportError<TContext> {
  error: TRPCError;
  type: Call["type"];
  path: string | undefined;
  ctx: TContext;
}

/** How `applyWsTransport` serves a router. */
export interface WsTransportOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Builds a connection's context as it opens; `signal` aborts when it closes. */
  createContext(connection: { ws: WebSocket; req: IncomingMessage; signal: AbortSignal }): inferRouterContext<TRouter>;
  /** Told of every failure, whether or not a client was answered. */
  onError(report: TransportError<inferRouterContext<TRouter>>): void;
  /** tRPC's heartbeat: "PING" after `pingMs` of quiet, and the connection cut if nothing comes within `pongWaitMs`. */
  keepAlive: { pingMs: number; pongWaitMs: number };
}

/** The transport serving a `ws` server. */
export interface WsTransport {
  /** Asks every open client to reconnect, as before a shutdown. */
  broadcastReconnectNotification(): void;
}

/** What `@trpc/client` reconnects on. */
const RECONNECT_NOTIFICATION = JSON.stringify({ id: null, method: "reconnect" });

/** Serves `options.router` on every connection `wss` accepts. */
export function applyWsTransport<TRouter extends AnyTRPCRouter>(wss: WebSocketServer, options: WsTransportOptions<TRouter>): WsTransport {
  const config = options.router._def._config;
  const eventText = createEventText(config.transformer);
  wss.on("connection", (ws, req) => serveConnection(ws, req));
  return {
    broadcastReconnectNotification: () => {
      for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(RECONNECT_NOTIFICATION);
    },
  };

  function serveConnection(ws: WebSocket, req: IncomingMessage): void {
    const closed = new AbortController();
    const ctx = options.createContext({ ws, req, signal: closed.signal });
    const subscriptions = new Map<RequestId, AbortController>();
    // A client made with `connectionParams` sends them first; no context here reads them.
    let connectionParamsDue = new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") === "1";
    handleKeepAlive(ws, options.keepAlive.pingMs, options.keepAlive.pongWaitMs);

    const respond = (message: TRPCResponseMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(transformTRPCResponse(config, message)));
    };
    const report = (cause: unknown, call: Call): TRPCError => {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError({ error, type: call.type, path: call.path, ctx });
      return error;
    };
    const fail = (id: RequestId | null, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void => {
      const error = report(cause, call);
      respond({ id, jsonrpc, error: getTRPCErrorShape({ config, error, ...call, ctx }) });
    };
    const unknownCall: Call = { type: "unknown", path: undefined, input: undefined };

    ws.on("message", (data, isBinary) => {
      // A listener that threw would throw inside `ws`'s socket handling, and take the process down.
      try {
        receive(data, isBinary);
      } catch (cause) {
        report(cause, unknownCall);
      }
    });
    ws.once("close", () => {
      for (const stop of subscriptions.values()) stop.abort();
      subscriptions.clear();
      closed.abort();
    });

    function receive(data: RawData, isBinary: boolean): void {
      const text = isBinary ? null : data.toString();
      if (text === "PONG") return;
      if (text === "PING") {
        ws.send("PONG");
        return;
      }
      if (connectionParamsDue) {
        connectionParamsDue = false;
        return;
      }
      parse(text)?.forEach(handle);
    }

    /** The requests in a text frame, or null (and the client told) when it holds none. */
    function parse(text: string | null): TRPCClientOutgoingMessage[] | null {
      try {
        if (text === null) throw new Error("Binary frames are not part of the protocol; requests are JSON text.");
        const json: unknown = JSON.parse(text);
        return (Array.isArray(json) ? json : [json]).map((raw) => parseTRPCMessage(raw, config.transformer));
      } catch (cause) {
        fail(null, undefined, new TRPCError({ code: "PARSE_ERROR", cause }), unknownCall);
        return null;
      }
    }

    function handle(request: TRPCClientOutgoingMessage, batchIndex: number): void {
      const { id, jsonrpc } = request;
      if (id === null) {
        fail(null, jsonrpc, new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" }), unknownCall);
        return;
      }
      if (request.method === "subscription.stop") {
        subscriptions.get(id)?.abort();
        return;
      }
      const { path, lastEventId } = request.params;
      const call = { type: request.method, path, input: withLastEventId(request.params.input, lastEventId) };
      if (request.method === "subscription") subscribe(id, jsonrpc, call, batchIndex);
      else
        callTRPCProcedure({ router: options.router, path, getRawInput: async () => call.input, ctx, type: request.method, signal: closed.signal, batchIndex }).then(
          (data: unknown) => respond({ id, jsonrpc, result: { type: "data", data } }),
          (cause: unknown) => fail(id, jsonrpc, cause, call),
        );
    }

    function subscribe(id: RequestId, jsonrpc: "2.0" | undefined, call: Call & { path: string }, batchIndex: number): void {
      if (subscriptions.has(id)) {
        fail(id, jsonrpc, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }), call);
        return;
      }
      const stop = new AbortController();
      subscriptions.set(id, stop);
      const envelope = `{"id":${JSON.stringify(id)}${jsonrpc === undefined ? "" : `,"jsonrpc":"2.0"`},"result":`;
      // Runs inside the broker's fan-out when the stream pushes: it must not throw into it.
      const deliver = (value: unknown): void => {
        if (ws.readyState !== ws.OPEN) return;
        try {
          ws.send(envelope + eventText(value));
        } catch (cause) {
          report(cause, call);
        }
      };
      const finish = (): void => {
        if (subscriptions.get(id) === stop) subscriptions.delete(id);
        respond({ id, jsonrpc, result: { type: "stopped" } });
      };

      callTRPCProcedure({ router: options.router, path: call.path, getRawInput: async () => call.input, ctx, type: "subscription", signal: stop.signal, batchIndex })
        .then(async (stream: unknown) => {
          if (!isAsyncIterable(stream)) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Subscription ${call.path} did not return an async iterable` });
          const iterator = stream[Symbol.asyncIterator]();
          // Whatever the stream does with the signal, stopping ends it, and with it the subscription.
          const end = (): void => {
            iterator.return?.().catch((cause: unknown) => report(cause, call));
          };
          if (stop.signal.aborted || ws.readyState !== ws.OPEN) {
            stop.abort();
            end();
            finish();
            return;
          }
          stop.signal.addEventListener("abort", end, { once: true });
          respond({ id, jsonrpc, result: { type: "started" } });
          if (isPushStream(stream)) {
            stream.listen(deliver, finish);
            return;
          }
          await pull(iterator, stop.signal, deliver);
          finish();
        })
        .catch((cause: unknown) => {
          if (subscriptions.get(id) === stop) subscriptions.delete(id);
          stop.abort();
          fail(id, jsonrpc, cause, call);
        });
    }
  }
}

/** Hands `iterator`'s values to `deliver` until it ends or `signal` aborts; rejects with its failure. */
async function pull(iterator: AsyncIterator<unknown>, signal: AbortSignal, deliver: (value: unknown) => void): Promise<void> {
  const stopped = new Promise<undefined>((resolve) => signal.addEventListener("abort", () => resolve(undefined), { once: true }));
  while (!signal.aborted) {
    const next = await Promise.race([iterator.next(), stopped]);
    if (next === undefined || next.done === true) return;
    deliver(next.value);
  }
}

/** The input a subscription resumes with: `lastEventId` travels beside the input, and procedures read it inside. */
function withLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  if (typeof input === "object" && input !== null) return { ...input, lastEventId };
  return input ?? { lastEventId };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
