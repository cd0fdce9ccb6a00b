import { randomBytes } from "node:crypto";
import type { AddressBudgets } from "./domain/address-budgets.js";
import type { ChatBroker } from "./domain/broker.js";
import { ChatSession, type ChatSessionDeps, type SessionLimits } from "./domain/chat-session.js";
import type { Identity } from "./domain/identity.js";
import { RoomDirectory } from "./domain/room-directory.js";
import { SystemLines } from "./domain/system-lines.js";

/** What the router's procedures see: the shared broker and room list, and this connection's session. */
export interface ChatContext {
  broker: ChatBroker;
  rooms: RoomDirectory;
  session: ChatSession;
  /**
   * Tells the context that its connection has closed: its rooms are left `leaveGraceMs` later. The
   * transport calls it once. A call rather than an `AbortSignal`: a signal costs about 700 bytes,
   * for each of thousands of connections.
   */
  close(): void;
}

/** What a server supplies to build each connection's context. */
export interface ChatContextDeps extends Omit<ChatSessionDeps, "systemLines"> {
  /**
   * How long a closed connection keeps its rooms before leaving them, so a client that
   * reconnects at once does not flash "left" and "joined" to everyone. @default 3000
   */
  leaveGraceMs?: number;
  /** Told of failures that no request is waiting for (leaving rooms after a close). */
  onBackgroundError: (error: unknown, session: ChatSession | null) => void;
  /** The budgets of each network address; without them only each connection's own limits apply. */
  addressBudgets?: AddressBudgets;
  /** @default one made over `broker` and `clock`, writing each line at most once a minute per name and room */
  systemLines?: SystemLines;
}

/** The transport's view of a new connection. */
export interface ConnectionInfo {
  /** This connection's limits; any left out take their defaults. */
  limits?: Partial<SessionLimits>;
  /** The client's network address as a budget key (see `AddressBudgets`); none: no address budget. */
  address?: string;
  /** Who the client is, from its `connectionParams`; none: nobody but the connection itself. */
  identity?: Identity;
}

/**
 * A new connection's id: 128 random bits in base64url. Made by one native call, so it is one flat
 * string; `randomUUID()` builds its text from twenty pieces, which V8 keeps as a rope of nineteen
 * joins (about 600 bytes) for as long as the connection lasts.
 */
function connectionId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Returns the `createContext` for the WebSocket transport: one session per connection, which
 * leaves its rooms `leaveGraceMs` after the connection closes.
 */
export function createContextFactory(deps: ChatContextDeps): (connection: ConnectionInfo) => ChatContext {
  const leaveGraceMs = deps.leaveGraceMs ?? 3000;
  const systemLines =
    deps.systemLines ?? new SystemLines({ broker: deps.broker, clock: deps.clock, onBackgroundError: (error) => deps.onBackgroundError(error, null) });
  const sessionDeps: ChatSessionDeps = { ...deps, systemLines };
  const rooms = new RoomDirectory(deps.broker, deps.clock);
  return ({ limits = {}, address, identity }) => {
    const budget = address === undefined ? undefined : deps.addressBudgets?.hold(address);
    const session = new ChatSession(connectionId(), sessionDeps, limits, budget, identity);
    const close = (): void => {
      if (budget !== undefined) deps.addressBudgets?.release(budget);
      const leave = (): void => {
        session.leaveAll().catch((error: unknown) => deps.onBackgroundError(error, session));
      };
      if (leaveGraceMs <= 0) leave();
      else setTimeout(leave, leaveGraceMs).unref();
    };
    return { broker: deps.broker, rooms, session, close };
  };
}
