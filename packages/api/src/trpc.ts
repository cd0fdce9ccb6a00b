import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import type { ChatContext } from "./context.js";
import { ChatError, type ChatErrorReason } from "./domain/errors.js";

const t = initTRPC.context<ChatContext>().create({
  transformer: superjson,
  // Never send stack traces to clients; the server logs them.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { cause } = error;
    if (cause instanceof ZodError) {
      return {
        ...shape,
        // One human sentence instead of zod's JSON dump; the details stay in `zodError`.
        message: cause.issues.map((issue) => issue.message).join(" "),
        data: { ...shape.data, zodError: z.flattenError(cause), retryAfterMs: null },
      };
    }
    const retryAfterMs = cause instanceof ChatError ? (cause.retryAfterMs ?? null) : null;
    return { ...shape, message: publicMessage(error), data: { ...shape.data, zodError: null, retryAfterMs } };
  },
});

/** What an unexpected failure says to the client. */
export const SERVER_FAULT_MESSAGE = "Something went wrong on the server; please try again.";

/**
 * The sentence a client sees for `error`. Ours are written for people: a domain refusal's, and a
 * `TRPCError` made with a message of its own and no cause (tRPC's "No procedure found on path",
 * the transport's). Any other text came from somewhere else, a parser's "Unexpected token", a
 * deserializer's TypeError, a broker's "connection reset", and is for the server's log, not for
 * whoever sent the request: it may name internals, and a client cannot act on it.
 */
function publicMessage(error: TRPCError): string {
  const { cause } = error;
  if (cause instanceof ChatError) return error.message;
  if (error.code === "INTERNAL_SERVER_ERROR") return SERVER_FAULT_MESSAGE;
  if (cause === undefined) return error.message;
  return error.code === "PARSE_ERROR" ? "Bad request: that message could not be read." : "Bad request.";
}

const codeOf: Record<ChatErrorReason, TRPCError["code"]> = {
  NOT_MEMBER: "FORBIDDEN",
  NAME_CONFLICT: "CONFLICT",
  // Another person holds the name: picking another helps, waiting does not.
  NAME_TAKEN: "CONFLICT",
  // A signed-in person may use the name their sign-in gives, and no other.
  NOT_YOUR_NAME: "FORBIDDEN",
  PRIVATE_ROOM: "FORBIDDEN",
  // `private: true` for a room that already exists in the open.
  ROOM_EXISTS: "CONFLICT",
  // An invite asked for a room anyone may join: the input is wrong.
  NOT_PRIVATE: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  // Waiting does not help, leaving a room does: not a "retry later" code.
  ROOM_LIMIT: "FORBIDDEN",
  SUBSCRIPTION_LIMIT: "TOO_MANY_REQUESTS",
  // The message store is unreachable: nothing was stored, and the same call may work shortly.
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  // A `history` page asked for before an id the room does not hold: the input is wrong.
  UNKNOWN_MESSAGE: "BAD_REQUEST",
  // An edit, deletion, reaction or reply names a message the room does not hold (or no longer can be changed).
  MESSAGE_NOT_FOUND: "NOT_FOUND",
  // Editing or deleting someone else's message, or a system line.
  NOT_AUTHOR: "FORBIDDEN",
  // A reaction to a system line or a deleted message.
  NOT_REACTABLE: "BAD_REQUEST",
  TOO_MANY_REACTIONS: "BAD_REQUEST",
};

/** `error` as the tRPC error a client gets: a domain refusal with its code, anything else as it is. */
export function toTRPCError(error: unknown): unknown {
  const cause = error instanceof TRPCError ? error.cause : error;
  return cause instanceof ChatError ? new TRPCError({ code: codeOf[cause.reason], message: cause.message, cause }) : error;
}

/**
 * The one place where domain refusals from procedures become tRPC errors with the right code,
 * and where a connection the server refused (`AUTH_REQUIRED` without a valid token) is answered:
 * one middleware for both, since each one costs every call a step.
 */
const domainErrors = t.middleware(async ({ ctx, next }) => {
  const { identity } = ctx.session;
  if (identity.kind === "refused") throw toTRPCError(new ChatError("UNAUTHENTICATED", identity.reason));
  const result = await next();
  if (result.ok) return result;
  throw toTRPCError(result.error);
});

/**
 * Holds one of the connection's subscription slots while the subscription is open; the
 * transport aborts `signal` when the client stops it or the connection closes.
 */
const subscriptionSlot = t.middleware(async ({ ctx, signal, next }) => {
  // Without a signal nothing would ever free the slot; only server-side callers omit it.
  if (signal === undefined) return next();
  const release = ctx.session.openSubscription(signal);
  const result = await next();
  // Bad input, or a failure before the stream began: it never held the slot.
  if (!result.ok) release();
  return result;
});

/** Builds a router from procedures. */
export const createRouter = t.router;

/** Every procedure's base: context typed, domain errors mapped. */
export const procedure = t.procedure.use(domainErrors);

/** The base of `onMessage` and `onPresence`: each open one takes a slot of its connection. */
export const subscriptionProcedure = procedure.use(subscriptionSlot);
