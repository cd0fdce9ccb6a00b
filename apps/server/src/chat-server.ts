import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { appRouter, type ChatBroker, type Clock, createContextFactory, MemoryBroker, systemClock } from "@chat/api";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { isOriginAllowed } from "./origin.js";
import { createStaticHandler } from "./static-files.js";

/** The endpoint path of tRPC over WebSocket. */
export const TRPC_PATH = "/trpc";
/** Largest accepted frame; a bigger one closes its connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** How long shutdown waits for sockets to close before cutting them. */
const SHUTDOWN_GRACE_MS = 2000;

/** What a server is built from. */
export interface ChatServerOptions {
  config: Config;
  logger: Logger;
  /** Where the SPA's build is served from. */
  staticDir: string;
  /** @default a `MemoryBroker` sized by `config` */
  broker?: ChatBroker;
  /** @default systemClock */
  clock?: Clock;
}

/** A running server. */
export interface ChatServer {
  /** The port it listens on (useful with `PORT=0`). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  readonly broker: ChatBroker;
  /** Stops accepting, asks clients to reconnect, closes sockets with 1001, and resolves. */
  close(): Promise<void>;
}

/** Starts the HTTP server, the SPA, `/healthz` and tRPC over WebSocket, all on one port. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const broker = options.broker ?? new MemoryBroker({ clock, historySize: config.HISTORY_SIZE, maxRooms: config.MAX_ROOMS });
  const startedAt = clock.now();
  const serveStatic = createStaticHandler(options.staticDir);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const createContext = createContextFactory({
    broker,
    clock,
    sendRate: { burst: config.SEND_RATE_BURST, perSecond: config.SEND_RATE_PER_SEC },
    leaveGraceMs: config.LEAVE_GRACE_MS,
    onBackgroundError: (error, session) => logger.error("leave_failed", { connectionId: session.id, error }),
  });

  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    createContext: (opts) => {
      const context = createContext(opts);
      const connectionId = context.session.id;
      logger.info("connect", { connectionId, ip: opts.req.socket.remoteAddress });
      opts.res.once("close", (code: number) => logger.info("close", { connectionId, code }));
      return context;
    },
    onError: ({ error, path, type, ctx }) => {
      const connectionId = ctx?.session.id;
      if (error.code === "TOO_MANY_REQUESTS") logger.warn("rate_limited", { connectionId, path });
      else if (error.code === "INTERNAL_SERVER_ERROR") logger.error("procedure_failed", { connectionId, path, type, error });
      else logger.debug("procedure_refused", { connectionId, path, code: error.code });
    },
  });

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error("http_failed", { url: req.url, error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (pathOf(req) === "/healthz") {
      const stats = broker.stats();
      const body = JSON.stringify({
        status: "ok",
        uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
        connections: wss.clients.size,
        rooms: stats.rooms,
      });
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }).end(body);
      return;
    }
    await serveStatic(req, res);
  }

  http.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    if (pathOf(req) !== TRPC_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    if (!isOriginAllowed(req, config.ALLOWED_ORIGINS)) {
      logger.warn("origin_refused", { origin: req.headers.origin, ip: req.socket.remoteAddress });
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", (error) => logger.debug("socket_error", { error: error.message }));
      wss.emit("connection", ws, req);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.PORT, config.HOST, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  logger.info("listening", { host: config.HOST, port });

  let closing: Promise<void> | null = null;
  return {
    port,
    url: `http://${host}:${port}`,
    broker,
    close: () => (closing ??= shutdown(http, wss, handler.broadcastReconnectNotification, broker, logger)),
  };
}

/** The request's path without its query string. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?", 1)[0] ?? "/";
}

async function shutdown(
  http: Server,
  wss: WebSocketServer,
  broadcastReconnectNotification: () => void,
  broker: ChatBroker,
  logger: Logger,
): Promise<void> {
  logger.info("shutdown_started", { connections: wss.clients.size });
  const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeIdleConnections();
  // Clients that support it reconnect (to another node, or to us once we are back) right away.
  broadcastReconnectNotification();
  for (const ws of wss.clients) ws.close(1001, "Server shutting down");
  const allClosed = Promise.all(
    Array.from(wss.clients, (ws) => new Promise<void>((resolve) => ws.once("close", () => resolve()))),
  );
  const cut = setTimeout(() => {
    for (const ws of wss.clients) ws.terminate();
    http.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  await allClosed;
  clearTimeout(cut);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await httpClosed;
  await broker.close();
  logger.info("shutdown_complete");
}
