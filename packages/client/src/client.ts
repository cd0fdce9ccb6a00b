/**
 * The typed client for browsers and Node: tRPC over one WebSocket, with reconnection, keep-alive
 * and automatic re-joining of rooms. It imports the router's type only, never server code.
 */
import { createTRPCClient, createWSClient, type TRPCClient, TRPCClientError, type TRPCLink, wsLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@chat/api";
import superjson from "superjson";
import { splittingLargeBatches } from "./split-batches.js";

export type { AppRouter } from "@chat/api";
export type {
  ChatEvent,
  ChatMessage,
  JoinResult,
  Member,
  MessageUpdate,
  PresenceEvent,
  Reaction,
  ReplyQuote,
  RoomListPage,
  RoomSummary,
} from "@chat/api/schema";

/** Where the client stands: `online` only once every joined room is joined again. */
export type ConnectionStatus = "connecting" | "online" | "reconnecting" | "closed";

/** What a client sends when each connection opens: strings by name, as tRPC's `connectionParams` are. */
export type ConnectionParams = Record<string, string>;

/** A WebSocket class: the browser's, Node 22's global, or `ws`'s default export. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

/** Options of `createChatClient`. */
export interface ChatClientOptions {
  /** The server's tRPC endpoint, e.g. `ws://localhost:3000/trpc`. */
  url: string;
  /** Needed where there is no global `WebSocket` (Node 20): pass `ws`'s. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** Told of every change of connection status. */
  onStatusChange?: (status: ConnectionStatus) => void;
  /** Delay before reconnect attempt `attempt` (0-based). @default jittered backoff, 0.25 s up to 10 s */
  retryDelayMs?: (attempt: number) => number;
  /**
   * This person's guest secret (`newIdentitySecret()`): every client made with the same one is
   * the same person, holding the same names and private rooms. A bot stores its own; a browser
   * keeps one per profile. @default a new one for this client alone
   */
  identity?: string;
  /**
   * More to send when each connection opens, such as a sign-in token (`{ token }`). Called again
   * before every reconnect, so it can fetch a fresh token when the last one expired (the server
   * closes the connection with `TOKEN_EXPIRED_CLOSE_CODE` then).
   */
  connectionParams?: () => ConnectionParams | Promise<ConnectionParams>;
}

/** A connected chat client. */
export interface ChatClient {
  /** The typed tRPC client: `trpc.joinRoom.mutate(…)`, `trpc.onMessage.subscribe(…)`, … */
  readonly trpc: TRPCClient<AppRouter>;
  /** The current connection status. */
  readonly status: ConnectionStatus;
  /** The guest secret this client sends: keep it to come back as the same person. */
  readonly identity: string;
  /** Ends every subscription and closes the socket; no reconnection follows. */
  close(): Promise<void>;
}

/** Jittered exponential backoff, so clients of a restarted server do not return all at once. */
function backoff(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 10_000) * (0.5 + Math.random() / 2);
}

/**
 * Calls that act as a member of a room, so they wait for the re-joins after a reconnect (see
 * `gate`). `sendTyping` is held rather than failed: a held signal is
 * at most one reconnect late, while a fast failure would reject the fire-and-forget calls a typing
 * indicator makes. A held call goes out as the same op, input and `clientMessageId` included; a
 * call whose socket closed before its reply fails instead, and the caller retries it with that id.
 */
const heldWhileRejoining: ReadonlySet<string> = new Set(["sendMessage", "editMessage", "deleteMessage", "react", "sendTyping", "leaveRoom"]);

/** Refusals that pass by themselves: sent too fast, or the server's message store unreachable for a moment. */
const RETRY_LATER_CODES: ReadonlySet<unknown> = new Set(["TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE"]);

/** The wait when such a refusal names none at all (a server that does not say). */
const FALLBACK_RETRY_MS = 1000;

/**
 * How long to wait before making a failed call again, for a refusal that passes by itself (the
 * server's `retryAfterMs`); `null` when waiting would not help (bad input, not a member, a lost
 * socket, a server fault, or a refusal whose `retryAfterMs` is `null`, such as a connection's
 * subscription limit, which only stopping one lifts). Reads the error's shape, so it works on
 * anything a call rejects with.
 */
export function retryAfterMs(error: unknown): number | null {
  const data = typeof error === "object" && error !== null && "data" in error ? error.data : undefined;
  if (typeof data !== "object" || data === null || !("code" in data) || !RETRY_LATER_CODES.has(data.code)) return null;
  if (!("retryAfterMs" in data) || data.retryAfterMs === undefined) return FALLBACK_RETRY_MS;
  return typeof data.retryAfterMs === "number" ? data.retryAfterMs : null;
}

/** A new guest secret: 128 random bits in base64url, what `ChatClientOptions.identity` takes. */
export function newIdentitySecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Creates a typed chat client over a WebSocket to `url`. */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const identity = options.identity ?? newIdentitySecret();
  /** roomId → username, for every room joined on this client: re-joined after a reconnect. */
  const joined = new Map<string, string>();
  let status: ConnectionStatus = "connecting";
  let opens = 0;
  let closed = false;
  let closing: Promise<void> | null = null;
  // While set, calls that need this connection's memberships (send, typing, leave) wait: after a
  // reconnect they must reach the server after the re-joins, or a send or typing signal would be
  // refused and a leave undone by the re-join that follows it.
  let gate: { promise: Promise<void>; open: () => void } | null = null;

  const setStatus = (next: ConnectionStatus): void => {
    if (next === status || status === "closed") return;
    status = next;
    options.onStatusChange?.(next);
  };

  const closeGate = (): void => {
    if (gate) return;
    let open: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    gate = { promise, open };
  };

  const openGate = (): void => {
    const current = gate;
    gate = null;
    current?.open();
  };

  /**
   * Re-joins one room on the socket of `generation` (the count of opens). A client in more rooms
   * than the server's join burst, or one that reconnects while the server's message store is
   * away, is told to wait: it waits as told and tries again, until the room is back, refused for
   * another reason, left, or the socket is replaced.
   */
  const rejoinRoom = async (roomId: string, username: string, generation: number): Promise<void> => {
    for (;;) {
      try {
        await trpc.joinRoom.mutate({ roomId, username });
        return;
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs === null || closed || opens !== generation || joined.get(roomId) !== username) return;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  };

  const rejoin = async (): Promise<void> => {
    closeGate();
    const generation = opens;
    await Promise.all(Array.from(joined, ([roomId, username]) => rejoinRoom(roomId, username, generation)));
    // A newer socket runs its own re-join, which opens the gate when it is done.
    if (opens !== generation) return;
    openGate();
    setStatus("online");
  };

  // `ws` and the DOM WebSocket differ only in types tRPC does not use.
  const WebSocketImpl = (options.WebSocket ?? globalThis.WebSocket) as typeof WebSocket | undefined;
  const wsClient = createWSClient({
    url: options.url,
    WebSocket: WebSocketImpl && splittingLargeBatches(WebSocketImpl),
    retryDelayMs: options.retryDelayMs ?? backoff,
    keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
    // Read on every connection, so a reconnect sends a fresh token.
    connectionParams: async () => ({ ...(await options.connectionParams?.()), identity }),
    onOpen: () => {
      if (closed) return;
      opens++;
      // tRPC sends requests made here on the new socket once it has taken over.
      if (opens > 1) void rejoin();
      else setStatus("online");
    },
  });

  const connectionWatch = wsClient.connectionState.subscribe({
    next: (state) => {
      if (state.state === "connecting" && state.error !== null && opens > 0 && !closed) {
        closeGate();
        setStatus("reconnecting");
      }
    },
  });

  const membershipLink: TRPCLink<AppRouter> = () => ({ op, next }) =>
    observable((observer) => {
      let unsubscribe: (() => void) | null = null;
      let cancelled = false;
      let retried = false;
      let delivered = false;
      const held = heldWhileRejoining.has(op.path);
      const forward = (): void => {
        if (cancelled) return;
        if (closed) {
          observer.error(new TRPCClientError("The chat client is closed."));
          return;
        }
        const sentOn = opens;
        const subscription = next(op).subscribe({
          next: (envelope) => {
            const data: unknown = envelope.result.type === "data" ? envelope.result.data : undefined;
            if (envelope.result.type === "data") delivered = true;
            if (op.path === "joinRoom" && isJoin(data)) joined.set(data.roomId, data.username);
            if (op.path === "leaveRoom" && isRoom(data)) joined.delete(data.roomId);
            observer.next(envelope);
          },
          error: (error) => {
            // A call made just as the socket dropped can reach the new socket ahead of the
            // re-joins (tRPC flushes its queue on whichever socket opens next) and be refused as
            // not a member. The server stored nothing, so it is safe to send once more, in turn.
            if (held && !retried && opens !== sentOn && error.data?.code === "FORBIDDEN") {
              retried = true;
              hold();
              return;
            }
            // A subscription the server could not start for now (too many started at once, or
            // its message store away) is started again when it says, the same as before: it
            // delivered nothing, so its input still says where to resume from.
            const waitMs = op.type === "subscription" && !delivered && !closed ? retryAfterMs(error) : null;
            if (waitMs !== null) {
              setTimeout(forward, waitMs);
              return;
            }
            observer.error(error);
          },
          complete: () => observer.complete(),
        });
        unsubscribe = () => subscription.unsubscribe();
      };
      const hold = (): void => {
        if (gate && held) void gate.promise.then(forward);
        else forward();
      };
      hold();
      return () => {
        cancelled = true;
        unsubscribe?.();
      };
    });

  const trpc = createTRPCClient<AppRouter>({
    links: [membershipLink, wsLink({ client: wsClient, transformer: superjson })],
  });

  return {
    trpc,
    identity,
    get status() {
      return status;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        connectionWatch.unsubscribe();
        // Held calls fail now rather than wait for a connection that will not come.
        openGate();
        await wsClient.close();
        status = "closed";
        options.onStatusChange?.("closed");
      })();
      return closing;
    },
  };
}

function isRoom(data: unknown): data is { roomId: string } {
  return typeof data === "object" && data !== null && typeof (data as { roomId?: unknown }).roomId === "string";
}

function isJoin(data: unknown): data is { roomId: string; username: string } {
  return isRoom(data) && typeof (data as { username?: unknown }).username === "string";
}
