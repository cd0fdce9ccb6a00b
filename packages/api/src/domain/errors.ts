/** Why the domain refused an operation; the router maps each to a `TRPCError` code. */
export type ChatErrorReason = "NOT_MEMBER" | "NAME_CONFLICT" | "RATE_LIMITED";

/** A refusal a client can act on: the reason, a sentence for people, and when to retry. */
export class ChatError extends Error {
  override readonly name = "ChatError";

  constructor(
    readonly reason: ChatErrorReason,
    message: string,
    /** For `RATE_LIMITED`: how long until the call would succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
