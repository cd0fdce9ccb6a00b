/** Why the domain refused an operation; the router maps each to a `TRPCError` code. */
export type ChatErrorReason =
  | "NOT_MEMBER"
  | "NAME_CONFLICT"
  | "NAME_TAKEN"
  | "NOT_YOUR_NAME"
  | "PRIVATE_ROOM"
  | "ROOM_EXISTS"
  | "NOT_PRIVATE"
  | "UNAUTHENTICATED"
  | "RATE_LIMITED"
  | "ROOM_LIMIT"
  | "SUBSCRIPTION_LIMIT"
  | "UNAVAILABLE"
  | "UNKNOWN_MESSAGE"
  | "MESSAGE_NOT_FOUND"
  | "NOT_AUTHOR"
  | "NOT_REACTABLE"
  | "TOO_MANY_REACTIONS";

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
  return new ChatError("RATE_LIMITED", `You are ${doing} too fast; try again in ${seconds(retryAfterMs)} s.`, retryAfterMs);
}

/**
 * The `RATE_LIMITED` refusal of a budget shared by everyone on one network address, e.g.
 * "Too many people on your network are sending right now; try again in 0.5 s.": the person
 * asking may have done little, so the sentence says whose budget ran out.
 */
export function networkRateLimited(doing: string, retryAfterMs: number): ChatError {
  return new ChatError("RATE_LIMITED", `Too many people on your network are ${doing} right now; try again in ${seconds(retryAfterMs)} s.`, retryAfterMs);
}

/** A wait in seconds, rounded up to a tenth, so it is never shown as "0.0 s". */
function seconds(retryAfterMs: number): string {
  return (Math.ceil(retryAfterMs / 100) / 10).toFixed(1);
}

/** The refusal of a `history` page asked for before a message the room does not hold. */
export function unknownMessage(roomId: string, id: string): ChatError {
  return new ChatError("UNKNOWN_MESSAGE", `There is no message ${JSON.stringify(id)} in ${roomId} to read history before.`);
}
