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
    // An unexpected failure's own text (a broker's "connection reset", a file path) is for the
    // server's log, not for whoever sent the request.
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "Something went wrong on the server; please try again." : shape.message;
    return { ...shape, message, data: { ...shape.data, zodError: null, retryAfterMs } };
  },
});

const codeOf: Record<ChatErrorReason, TRPCError["code"]> = {
  NOT_MEMBER: "FORBIDDEN",
  NAME_CONFLICT: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  // Waiting does not help, leaving a room does: not a "retry later" code.
  ROOM_LIMIT: "FORBIDDEN",
  SUBSCRIPTION_LIMIT: "TOO_MANY_REQUESTS",
  // The message store is unreachable: nothing was stored, and the same call may work shortly.
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/**
 * The one place where domain refusals become tRPC errors with the right code, and where every
 * `TOO_MANY_REQUESTS` counts as a strike against the connection.
 */
const domainErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const { cause } = result.error;
  const error = cause instanceof ChatError ? new TRPCError({ code: codeOf[cause.reason], message: cause.message, cause }) : result.error;
  if (error.code === "TOO_MANY_REQUESTS") ctx.strike();
  throw error;
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
