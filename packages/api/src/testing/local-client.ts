/**
 * The router's unit tests call it through a real tRPC client over `localLink`: these helpers
 * build such a client for one context (one "connection") and read its errors and streams.
 */
import { createTRPCClient, localLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import type { ChatContext } from "../context.js";
import { type AppRouter, appRouter } from "../router.js";

/** A client whose calls all share `context`, like the calls of one WebSocket connection. */
export function localClient(context: ChatContext): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [localLink({ router: appRouter, createContext: async () => context, transformer: superjson })],
  });
}

/** The error data the router's formatter adds to every error. */
export interface ChatErrorData {
  code: string;
  retryAfterMs: number | null;
  zodError: { fieldErrors: Record<string, string[] | undefined> } | null;
}

/** The `TRPCClientError` that `promise` rejects with. */
export async function clientErrorOf(promise: Promise<unknown>): Promise<{ message: string; data: ChatErrorData }> {
  const error: unknown = await promise.then(
    () => new Error("expected the call to fail"),
    (reason: unknown) => reason,
  );
  if (!(error instanceof TRPCClientError)) throw error;
  return { message: error.message, data: error.data as ChatErrorData };
}

/** A subscription's events and errors, recorded as they arrive. */
export interface Recorded<T> {
  events: T[];
  errors: unknown[];
  /** Resolves once the server has started the subscription. */
  started: Promise<void>;
  unsubscribe(): void;
}

/** Records a subscription's events and errors as they arrive. */
export function record<T>(
  subscribe: (handlers: { onData: (value: T) => void; onError: (error: unknown) => void; onStarted: () => void }) => {
    unsubscribe(): void;
  },
): Recorded<T> {
  const events: T[] = [];
  const errors: unknown[] = [];
  let markStarted = (): void => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const subscription = subscribe({
    onData: (value) => events.push(value),
    onError: (error) => errors.push(error),
    onStarted: () => markStarted(),
  });
  return { events, errors, started, unsubscribe: () => subscription.unsubscribe() };
}
