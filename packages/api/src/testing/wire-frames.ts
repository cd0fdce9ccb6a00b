/**
 * tRPC's WebSocket messages as the chat's server and client exchange them, typed with tRPC's own
 * `@trpc/server/rpc` types: requests carry their input, and answers their data and errors, in
 * superjson's envelope (the chat's transformer), which these functions put on and take off. For
 * tests and the bench, which speak the protocol on raw sockets.
 */
import type {
  JSONRPC2,
  TRPC_ERROR_CODE_KEY,
  TRPCClientIncomingMessage,
  TRPCClientOutgoingMessage,
  TRPCErrorShape,
  TRPCReconnectNotification,
  TRPCRequestMessage,
  TRPCResultMessage,
} from "@trpc/server/rpc";
import superjson, { type SuperJSONResult } from "superjson";

/** The `data` of the chat's errors (its `errorFormatter`): tRPC's defaults and the retry delay. */
export interface WireErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string;
  /** How long to wait before calling again; `null` when waiting would not help. */
  retryAfterMs?: number | null;
}

/** A message from the server as sent: its data and error still in superjson's envelope. */
type EncodedIncoming =
  | TRPCReconnectNotification
  | ({ id: JSONRPC2.RequestId } & ({ error: SuperJSONResult | TRPCErrorShape<WireErrorData> } | TRPCResultMessage<SuperJSONResult>));

/** A message from the server, its data and error taken out of superjson's envelope. */
export type WireIncoming = TRPCClientIncomingMessage<unknown, TRPCErrorShape<WireErrorData>>;

/** A request's kind: what `method` a `TRPCRequestMessage` may carry. */
export type WireMethod = TRPCRequestMessage["method"];

/** The request `@trpc/client` sends for a call of `path` with `input`, under request id `id`. */
export function wireRequest(id: TRPCRequestMessage["id"], method: WireMethod, path: string, input?: unknown): TRPCRequestMessage {
  // No input: an empty envelope, which the server reads the same as superjson's (whose meta marks
  // the `undefined`), so that frames of hundreds of requests without input stay small.
  return { id, method, params: { path, input: input === undefined ? {} : superjson.serialize(input) } };
}

/** One frame of messages: a single message as it is, several as one batch (a JSON array). */
export function encodeFrame(messages: TRPCClientOutgoingMessage | readonly TRPCClientOutgoingMessage[]): string {
  return JSON.stringify(messages);
}

/** Whether `frame` is a heartbeat (`PING` or `PONG`), which is not JSON. */
export function isHeartbeat(frame: string): boolean {
  return frame === "PING" || frame === "PONG";
}

/** A frame from the server as a message, data and error decoded as `@trpc/client` decodes them. */
export function decodeIncoming(frame: string): WireIncoming {
  const message = JSON.parse(frame) as EncodedIncoming;
  if ("error" in message) {
    // A server without a transformer, or one answering before it could use it, sends the bare shape.
    const { error } = message;
    return { id: message.id, error: "json" in error ? superjson.deserialize<TRPCErrorShape<WireErrorData>>(error) : error };
  }
  if ("result" in message && message.result.data !== undefined) return { ...message, result: { ...message.result, data: superjson.deserialize(message.result.data) } };
  return message;
}

/** The requests of a frame a client sent, inputs decoded; none when it is not tRPC's JSON. */
export function decodeOutgoing(frame: string): TRPCClientOutgoingMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return [];
  }
  // tRPC sends requests made in the same tick as one array.
  const messages = (Array.isArray(parsed) ? parsed : [parsed]) as TRPCClientOutgoingMessage[];
  return messages.map((message) =>
    "params" in message ? { ...message, params: { ...message.params, input: superjson.deserialize(message.params.input as SuperJSONResult) } } : message,
  );
}

/** The tRPC code of an error answer, `"data"` for a result, `"reconnect"` for the server's notification. */
export function outcomeOf(message: WireIncoming): TRPC_ERROR_CODE_KEY | "data" | "reconnect" {
  if ("error" in message) return message.error.data.code;
  return "result" in message ? "data" : "reconnect";
}
