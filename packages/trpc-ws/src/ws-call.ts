/** What a request to the WebSocket transport asks for, as the transport and its subscriptions pass it around. */

/** A request's id, as the client chose it. */
export type RequestId = number | string;

/** What a request asked for, for error shapes and reports. */
export interface Call {
  type: "query" | "mutation" | "subscription" | "unknown";
  path: string | undefined;
  input: unknown;
  /** The connection's frame it came in (1 for the first), 0 for none. */
  frame: number;
}

/** A call of a procedure. */
export type ProcedureCall = Call & { type: "query" | "mutation" | "subscription"; path: string };

/** A call of a subscription. */
export type SubscriptionCall = ProcedureCall & { type: "subscription" };
