/**
 * What the load generator needs of a client, whatever protocol it speaks: join one room and
 * subscribe to it, send to it (and, where the protocol has them, react), hand every room delivery
 * over as its raw frame, and close.
 */

import type WebSocket from "ws";

/** The servers under test, by the protocol their clients speak. */
export type Protocol = "trpc" | "raw-ws" | "socketio";

/** Where a client reports. */
export interface ClientEvents {
  /** A broadcast room message arrived (its raw text frame; never a reply to the client's own call). */
  onDelivery(frame: string): void;
  /**
   * A change to an earlier message arrived (its raw frame, which carries the changed message and
   * so that message's mark): a delivery, but not a new message. `ownLatencyMs` is the time since
   * this client's own reaction when this is that reaction's update, null otherwise.
   */
  onUpdate(frame: string, ownLatencyMs: number | null): void;
  /** The server refused a call, or the socket failed; counted and shown, not fatal. */
  onError(message: string): void;
}

/** One connection that joined one room. */
export interface BenchClient {
  /** Resolves once the client joined and subscribed: it now receives all the room gets. */
  readonly live: Promise<void>;
  /** Sends a message to the room; replies are counted, not awaited. */
  send(text: string): void;
  /**
   * Toggles one of a few emoji on a recent message of `phase` this client received, so that the
   * server has a change to broadcast; false, with nothing sent, when it has received none yet.
   * Absent where the protocol has no reactions (the references).
   */
  react?(phase: number): boolean;
  /** Closes the socket at once. */
  close(): void;
}

/** Opens a client to `url` for `roomId` under `username`. */
export type ClientOpener = (url: string, roomId: string, username: string, events: ClientEvents) => BenchClient;

/** Where each protocol listens on a server at `origin` (`http://host:port`). */
export function endpointOf(protocol: Protocol, origin: string): string {
  const ws = origin.replace(/^http/, "ws");
  if (protocol === "trpc") return `${ws}/trpc`;
  if (protocol === "socketio") return `${ws}/socket.io/?EIO=4&transport=websocket`;
  return `${ws}/`;
}

/** A client's way to being live: it settles once, live when joined and subscribed, failed otherwise. */
export interface Liveness {
  readonly live: Promise<void>;
  markLive(): void;
  failLive(error: Error): void;
}

/**
 * What every protocol's client shares: `live`, and the socket's errors and an early close reported
 * and failing it (a close after it is live changes nothing, as a settled promise stays settled).
 */
export function watchLiveness(socket: WebSocket, events: ClientEvents): Liveness {
  let markLive: () => void = () => {};
  let failLive: (error: Error) => void = () => {};
  const live = new Promise<void>((resolve, reject) => {
    markLive = resolve;
    failLive = reject;
  });
  socket.on("error", (error) => {
    events.onError(error.message);
    failLive(error);
  });
  socket.on("close", (code) => failLive(new Error(`closed with ${code} before it was live`)));
  // A client that failed is reported by whoever awaits `live`; no unhandled rejection here.
  live.catch(() => {});
  return { live, markLive: () => markLive(), failLive: (error) => failLive(error) };
}
