/**
 * Graceful shutdown: the order in which a running server lets go of its clients, so that a
 * deploy loses no message a client was told had been sent.
 */
import type { Server } from "node:http";
import type { ChatBroker } from "@chat/api";
import { SHUTDOWN_CLOSE_CODE, SHUTDOWN_CLOSE_REASON } from "@chat/api/close-codes";
import type { WebSocketServer } from "ws";
import type { Logger } from "./logger.js";
import type { WsTransport } from "@chat/trpc-ws";

/** How long shutdown lets sockets flush what is queued for them before cutting them. */
export const SHUTDOWN_GRACE_MS = 2000;

/** What `shutdown` stops. */
export interface ShutdownTargets {
  http: Server;
  wss: WebSocketServer;
  /** Asks every client to reconnect, and writes what waits for lagging readers. */
  transport: WsTransport;
  broker: ChatBroker;
  logger: Logger;
}

/**
 * Stops a server whose upgrades are already refused (the caller flips that switch first, so no
 * socket opens while this runs). It asks tRPC clients to reconnect, then closes every socket
 * with `close()`, which queues the close frame behind what is already buffered: every message
 * sent before the shutdown reaches every reader that keeps reading. Sockets still open after
 * `SHUTDOWN_GRACE_MS` are cut. The HTTP listener stays open until then, so a client that knocks
 * meanwhile gets a 503 (and may try another node) rather than a refused connection.
 */
export async function shutdown({ http, wss, transport, broker, logger }: ShutdownTargets): Promise<void> {
  // Every event still waiting for a lagging reader goes into its socket's buffer first, ahead
  // of the close frame: a reader that keeps reading gets all of it.
  transport.flushWaiting();
  // What the drain has to flush: data accepted for sending that no reader has taken yet.
  const bufferedBytes = Array.from(wss.clients).reduce((sum, ws) => sum + ws.bufferedAmount, 0);
  logger.info("shutdown_started", { connections: wss.clients.size, bufferedBytes });
  // Clients that support it reconnect (to another node, or to us once we are back) right away.
  transport.broadcastReconnectNotification();
  const allClosed = Promise.all(
    Array.from(wss.clients, (ws) => new Promise<void>((resolve) => ws.once("close", () => resolve()))),
  );
  for (const ws of wss.clients) ws.close(SHUTDOWN_CLOSE_CODE, SHUTDOWN_CLOSE_REASON);
  const cut = setTimeout(() => {
    logger.warn("shutdown_cut", { connections: wss.clients.size });
    for (const ws of wss.clients) ws.terminate();
  }, SHUTDOWN_GRACE_MS);
  await allClosed;
  clearTimeout(cut);
  const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await httpClosed;
  await broker.close();
  logger.info("shutdown_complete");
}
