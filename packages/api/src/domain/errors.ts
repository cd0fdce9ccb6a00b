/** Why the domain refused an operation; the router maps each to a `TRPCError` code. */
export type ChatErrorReason = "NOT_MEMBER" | "NAME_CONFLICT" | "RATE_LIMITED" | "ROOM_LIMIT" | "SUBSCRIPTION_LIMIT" | "UNAVAILABLE";

/** A refusal a client can act on: the reason, a sentence for people, and when to retry. */
export class ChatError extends Error {
  override readonly name = "ChatError";

  constructor(
    readonly reason: ChatErrorReason,
    message: string,
    /** For `RATE_LIMITED` and `UNAVAILABLE`: how long until the call may succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The `RATE_LIMITED` refusal of every token bucket, e.g. `rateLimited("sending", 420)` →
 * "You are sending too fast; try again in 0.5 s.", so all of them read and round alike.
 */
export function rateLimited(doing: string, retryAfterMs: number): ChatError {
  // Rounded up to a tenth, so the wait is never shown as "0.0 s".
  const seconds = (Math.ceil(retryAfterMs / 100) / 10).toFixed(1);
  return new ChatError("RATE_LIMITED", `You are ${doing} too fast; try again in ${seconds} s.`, retryAfterMs);
}
