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
    return { ...shape, data: { ...shape.data, zodError: null, retryAfterMs } };
  },
});

const codeOf: Record<ChatErrorReason, TRPCError["code"]> = {
  NOT_MEMBER: "FORBIDDEN",
  NAME_CONFLICT: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
};

/** The one place where domain refusals become tRPC errors with the right code. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ChatError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: codeOf[cause.reason], message: cause.message, cause });
  }
  return result;
});

/** Builds a router from procedures. */
export const createRouter = t.router;

/** Every procedure's base: context typed, domain errors mapped. */
export const procedure = t.procedure.use(domainErrors);
