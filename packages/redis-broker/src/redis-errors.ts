/**
 * Which Redis failures mean "try again shortly" and how a client hears it. A connection that is
 * down, a timeout, or a Redis that is still loading its data after a restart is unavailability:
 * the caller gets `UNAVAILABLE` (SERVICE_UNAVAILABLE) and a sentence. Any other error Redis
 * replies with is a bug on our side and stays what it is, for the log.
 */
import { ChatError } from "@chat/api";

/** How long a client is told to wait before retrying a call refused because Redis is away. */
export const UNAVAILABLE_RETRY_MS = 1000;

/** Reply errors that a restarting or failing-over Redis gives and that pass on their own. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|READONLY|CLUSTERDOWN)\b/;

/** `error` as the refusal a client sees when it means Redis is unreachable; otherwise `error` itself. */
export function storeUnavailable(error: unknown): unknown {
  if (error instanceof ChatError) return error;
  if (error instanceof Error && error.name === "ReplyError" && !TRANSIENT_REPLY.test(error.message)) return error;
  return new ChatError(
    "UNAVAILABLE",
    "The chat cannot reach its message store right now, so this was not done; please try again in a moment.",
    UNAVAILABLE_RETRY_MS,
  );
}

/** True for the refusal `storeUnavailable` makes. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ChatError && error.reason === "UNAVAILABLE";
}

/** Runs a Redis call the way the broker does: refusals a client can act on, health recorded. */
export type CallRunner = <T>(run: () => Promise<T>) => Promise<T>;
