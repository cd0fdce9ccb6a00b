import { randomUUID } from "node:crypto";
import type { ChatBroker } from "./domain/broker.js";
import { ChatSession, type ChatSessionDeps } from "./domain/chat-session.js";

/** What the router's procedures see: the shared broker and this connection's session. */
export interface ChatContext {
  broker: ChatBroker;
  session: ChatSession;
}

/** What a server supplies to build each connection's context. */
export interface ChatContextDeps extends ChatSessionDeps {
  /**
   * How long a closed connection keeps its rooms before leaving them, so a client that
   * reconnects at once does not flash "left" and "joined" to everyone. @default 3000
   */
  leaveGraceMs?: number;
  /** Told of failures that no request is waiting for (leaving rooms after a close). */
  onBackgroundError: (error: unknown, session: ChatSession) => void;
}

/** The transport's view of a new connection: an abort signal that fires when it closes. */
export interface ConnectionInfo {
  info: { signal: AbortSignal };
}

/**
 * Returns the `createContext` for tRPC's WebSocket adapter: one session per connection, which
 * leaves its rooms `leaveGraceMs` after the connection closes.
 */
export function createContextFactory(deps: ChatContextDeps): (connection: ConnectionInfo) => ChatContext {
  const leaveGraceMs = deps.leaveGraceMs ?? 3000;
  return ({ info }) => {
    const session = new ChatSession(randomUUID(), deps);
    info.signal.addEventListener(
      "abort",
      () => {
        const leave = (): void => {
          session.leaveAll().catch((error: unknown) => deps.onBackgroundError(error, session));
        };
        if (leaveGraceMs <= 0) leave();
        else setTimeout(leave, leaveGraceMs).unref();
      },
      { once: true },
    );
    return { broker: deps.broker, session };
  };
}
