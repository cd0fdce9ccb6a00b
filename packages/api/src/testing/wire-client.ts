/**
 * A tRPC client on a raw WebSocket, built on `wire-frames.ts`: for tests that need hundreds of
 * clients, or a client that misbehaves in ways `@trpc/client` never would (no heartbeat answers,
 * no reconnecting, frames it builds itself, a socket the test pauses). It keeps every answer by
 * request id, so a test can also send frames of its own and read what they were answered.
 */
import type { TRPC_ERROR_CODE_KEY, TRPCClientOutgoingMessage, JSONRPC2 } from "@trpc/server/rpc";
import { decodeIncoming, encodeFrame, isHeartbeat, outcomeOf, type WireIncoming, wireRequest } from "./wire-frames.js";

/** The part of a `ws` WebSocket the client uses. */
export interface WireSocket {
  send(data: string): void;
  on(event: "message", listener: (data: unknown) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  once(event: "close", listener: (code: number) => void): unknown;
}

/** A procedure's failure as the server sent it. */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    /** The tRPC error code, e.g. `INTERNAL_SERVER_ERROR`. */
    readonly code: TRPC_ERROR_CODE_KEY,
    message: string,
  ) {
    super(message);
  }
}

/** One subscription's events. */
export interface WireSubscription<T> {
  /** Every `data` payload, in order (a tracked event as `{ id, data }`). */
  readonly events: T[];
  /** Set when the server ended the subscription with an error. */
  readonly error: WireError | null;
  /** Resolves once the server sent `started`; rejects if it answered with an error first. */
  readonly started: Promise<void>;
}

/** A raw tRPC connection. */
export interface WireClient<Socket extends WireSocket = WireSocket> {
  readonly socket: Socket;
  /** Every message the server sent, by the request id it answers (`null`: not tied to one), in order. */
  readonly answers: ReadonlyMap<JSONRPC2.RequestId, readonly WireIncoming[]>;
  /** Whether the server sent tRPC's `reconnect` notification. */
  readonly reconnectRequested: boolean;
  /** The close code, once closed. */
  readonly closeCode: number | null;
  /** Resolves with the close code. */
  readonly closed: Promise<number>;
  /** Sends messages the test built, as one frame (several as a batch). */
  send(messages: TRPCClientOutgoingMessage | readonly TRPCClientOutgoingMessage[]): void;
  /** For each request id, `"data"` for a result, the error's tRPC code, or `"none"` while unanswered. */
  outcomesOf(ids: readonly JSONRPC2.RequestId[]): string[];
  /** Runs a mutation; resolves with its result's data, rejects with a `WireError`. */
  mutate(path: string, input: unknown): Promise<unknown>;
  /** Starts a subscription. */
  subscribe<T = unknown>(path: string, input: unknown): WireSubscription<T>;
}

/** Request ids the client picks count up from here, clear of the small ids tests use for frames of their own. */
const FIRST_OWN_ID = 1_000_000;

/** Speaks tRPC on an open socket. */
export function wireClient<Socket extends WireSocket>(socket: Socket): WireClient<Socket> {
  const answers = new Map<JSONRPC2.RequestId, WireIncoming[]>();
  const handlers = new Map<JSONRPC2.RequestId, (message: WireIncoming) => void>();
  let nextId = FIRST_OWN_ID;
  let reconnectRequested = false;
  let closeCode: number | null = null;

  socket.on("error", () => {});
  socket.on("message", (data) => {
    const frame = String(data);
    if (isHeartbeat(frame)) return;
    const message = decodeIncoming(frame);
    if ("method" in message) reconnectRequested = true;
    const id = message.id ?? null;
    const list = answers.get(id) ?? [];
    list.push(message);
    answers.set(id, list);
    handlers.get(id)?.(message);
  });
  const closed = new Promise<number>((resolve) =>
    socket.once("close", (code) => {
      closeCode = code;
      resolve(code);
    }),
  );

  /** Sends a request and routes its answers to `onAnswer`; returns its id. */
  const request = (method: "mutation" | "subscription", path: string, input: unknown, onAnswer: (message: WireIncoming) => void): number => {
    const id = nextId++;
    handlers.set(id, onAnswer);
    socket.send(encodeFrame(wireRequest(id, method, path, input)));
    return id;
  };
  const errorOf = (message: WireIncoming): WireError | null => ("error" in message ? new WireError(message.error.data.code, message.error.message) : null);

  return {
    socket,
    answers,
    get reconnectRequested() {
      return reconnectRequested;
    },
    get closeCode() {
      return closeCode;
    },
    closed,
    send(messages) {
      socket.send(encodeFrame(messages));
    },
    outcomesOf(ids) {
      return ids.map((id) => {
        const first = answers.get(id)?.[0];
        return first === undefined ? "none" : outcomeOf(first);
      });
    },
    mutate(path, input) {
      return new Promise((resolve, reject) => {
        // A socket closed before the answer fails the call instead of leaving it hanging.
        void closed.then((code) => reject(new Error(`socket closed with ${code} before ${path} was answered`)));
        const id = request("mutation", path, input, (message) => {
          // A mutation has one answer, unlike a subscription.
          handlers.delete(id);
          const error = errorOf(message);
          if (error) reject(error);
          else if ("result" in message) resolve(message.result.data);
        });
      });
    },
    subscribe<T>(path: string, input: unknown): WireSubscription<T> {
      const events: T[] = [];
      let error: WireError | null = null;
      let markStarted: () => void = () => {};
      let failStart: (error: Error) => void = () => {};
      const started = new Promise<void>((resolve, reject) => {
        markStarted = resolve;
        failStart = reject;
      });
      // A test that never awaits `started` reads `error` instead; the rejection is not lost.
      started.catch(() => {});
      request("subscription", path, input, (message) => {
        error = errorOf(message) ?? error;
        if (error) failStart(error);
        else if (!("result" in message)) return;
        else if (message.result.type === "started") markStarted();
        else if (message.result.type === "data" || message.result.type === undefined) events.push(message.result.data as T);
      });
      return {
        events,
        get error() {
          return error;
        },
        started,
      };
    },
  };
}
