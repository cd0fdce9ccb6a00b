import { randomUUID } from "node:crypto";
import type { ChatBroker } from "./domain/broker.js";
import { ChatSession, type ChatSessionDeps, type SessionLimits } from "./domain/chat-session.js";
import { StrikeWindow } from "./domain/strikes.js";

/** WebSocket close code 1008, "policy violation" (RFC 6455 §7.4.1): what a flooder is cut off with. */
export const FLOOD_CLOSE_CODE = 1008;
/** The close reason sent with `FLOOD_CLOSE_CODE`. */
export const FLOOD_CLOSE_REASON = "rate limit exceeded";

/** What the router's procedures see: the shared broker, this connection's session, and its strikes. */
export interface ChatContext {
  broker: ChatBroker;
  session: ChatSession;
  /** Counts a `TOO_MANY_REQUESTS` refusal; `strikes` of them within the window disconnect the connection. */
  strike(): void;
  /**
   * Tells the context that its connection has closed: its rooms are left `leaveGraceMs` later. The
   * transport calls it once. A call rather than an `AbortSignal`: a signal costs about 700 bytes,
   * for each of thousands of connections.
   */
  close(): void;
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

/** What one connection may do: its session's limits, and how many rate-limit refusals cut it off. */
export interface PerConnectionLimits extends SessionLimits {
  /** `TOO_MANY_REQUESTS` refusals within `strikeWindowMs` that disconnect the connection. @default 20 */
  strikes: number;
  /** How far back refusals count towards `strikes`. @default 10000 */
  strikeWindowMs: number;
}

/** The transport's view of a new connection. */
export interface ConnectionInfo {
  /**
   * Closes the connection with a WebSocket close code and reason. Without it, a flooding
   * connection is still refused call by call, but never cut off.
   */
  disconnect?: (code: number, reason: string) => void;
  /** This connection's limits; any left out take their defaults. */
  limits?: Partial<PerConnectionLimits>;
}

/**
 * Returns the `createContext` for the WebSocket transport: one session per connection, which
 * leaves its rooms `leaveGraceMs` after the connection closes, and is disconnected once it keeps
 * flooding after being told to wait.
 */
export function createContextFactory(deps: ChatContextDeps): (connection: ConnectionInfo) => ChatContext {
  const leaveGraceMs = deps.leaveGraceMs ?? 3000;
  return ({ disconnect, limits = {} }) => {
    const { strikes: limit = 20, strikeWindowMs: windowMs = 10_000, ...sessionLimits } = limits;
    const session = new ChatSession(randomUUID(), deps, sessionLimits);
    const strikes = new StrikeWindow({ limit, windowMs }, deps.clock);
    let cutOff = false;
    const strike = (): void => {
      if (cutOff || !strikes.strike()) return;
      cutOff = true;
      // On the next turn, so the refusal that tipped it over is answered before the close.
      setImmediate(() => disconnect?.(FLOOD_CLOSE_CODE, FLOOD_CLOSE_REASON));
    };
    const close = (): void => {
      const leave = (): void => {
        session.leaveAll().catch((error: unknown) => deps.onBackgroundError(error, session));
      };
      if (leaveGraceMs <= 0) leave();
      else setTimeout(leave, leaveGraceMs).unref();
    };
    return { broker: deps.broker, session, strike, close };
  };
}
