import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { AddressBudgets, appRouter, type ChatBroker, type ChatContext, type Clock, createContextFactory, systemClock, REQUEST_ID_MAX_LENGTH } from "@chat/api";
import { applyWSSHandler } from "@chat/trpc-ws";
import { WebSocketServer } from "ws";
import { createBroker } from "./broker-from-config.js";
import { addressKey, clientAddress, trustedProxies } from "./client-address.js";
import type { Config } from "./config.js";
import { ConnectionLimits } from "./connection-limits.js";
import { openFileLimit, socketsPerAddressDefault } from "./fd-limit.js";
import { guardHttp, httpTimeouts, refuseSocket } from "./http-guard.js";
import type { Logger } from "./logger.js";
import { METRICS_PATH, MetricsEndpoint, metricsEnabled } from "./metrics-endpoint.js";
import { ServerMetrics } from "./metrics.js";
import { originsFor } from "./origin.js";
import { shutdown } from "./shutdown.js";
import { createStaticHandler } from "./static-files.js";
import { transportPolicy } from "./transport-policy.js";
import { pathOf, UpgradeGate } from "./upgrade-gate.js";

/** Largest accepted frame; a bigger one closes its connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Most frames one message may arrive in; past it the connection is closed with 1008 (`ws`'s
 * code for it). Browsers never fragment what they send, and libraries that do use fragments of
 * kilobytes, so a 64 KiB message needs a handful; 256 still allows 256-byte fragments. `ws`'s
 * default (16,384) would let one message of 1-byte fragments cost 16,384 buffers.
 */
export const MAX_FRAGMENTS = 256;
/**
 * Most unparsed TCP chunks `ws` holds for one connection while a frame is incomplete; past it,
 * 1008. A sender with Nagle's algorithm never sends tiny segments while data is waiting, so a
 * full 64 KiB frame arrives in well under a hundred chunks; 1,024 leaves room for slow links
 * and still stops a client that trickles a frame a byte at a time to make the server keep one
 * buffer object per byte (`ws`'s default allows 262,144).
 */
export const MAX_BUFFERED_CHUNKS = 1024;

/** What a server is built from. */
export interface ChatServerOptions {
  config: Config;
  logger: Logger;
  /** Where the SPA's build is served from. */
  staticDir: string;
  /** @default the broker `config` asks for (`createBroker`): Redis with `REDIS_URL`, else in memory */
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
  /** `http://host:port` of the metrics port (`METRICS_PORT`), or null when there is none. */
  readonly metricsUrl: string | null;
  readonly broker: ChatBroker;
  /**
   * Refuses new upgrades with 503, asks clients to reconnect, closes sockets with 1001 once
   * what is queued for them is sent (cutting them after a short grace), stops listening, and
   * resolves.
   */
  close(): Promise<void>;
}

/** Starts the HTTP server, the SPA, `/healthz` and tRPC over WebSocket, all on one port. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // Built only when served somewhere: then the hooks below count, otherwise nothing does.
  const metrics = metricsEnabled(config)
    ? new ServerMetrics({ redis: options.broker === undefined && config.REDIS_URL !== undefined, procedures: Object.keys(appRouter._def.procedures) })
    : null;
  const broker = options.broker ?? createBroker(config, { clock, logger, onRedisCall: metrics?.redisCall });
  const startedAt = clock.now();
  const serveStatic = createStaticHandler(options.staticDir);
  const trusted = trustedProxies(config.TRUST_PROXY);
  const addressBudgets = new AddressBudgets(clock, {
    rates: {
      connect: { burst: config.ADDRESS_CONNECT_RATE_BURST, perSecond: config.ADDRESS_CONNECT_RATE_PER_SEC },
      join: { burst: config.ADDRESS_JOIN_RATE_BURST, perSecond: config.ADDRESS_JOIN_RATE_PER_SEC },
      send: { burst: config.ADDRESS_SEND_RATE_BURST, perSecond: config.ADDRESS_SEND_RATE_PER_SEC },
      typing: { burst: config.ADDRESS_TYPING_RATE_BURST, perSecond: config.ADDRESS_TYPING_RATE_PER_SEC },
      createRoom: { burst: config.ADDRESS_ROOM_RATE_BURST, perSecond: config.ADDRESS_ROOM_RATE_PER_SEC },
    },
  });
  let draining = false;
  let origins: ReadonlySet<string> = new Set();
  const gate = new UpgradeGate({
    limits: new ConnectionLimits({ maxConnections: config.MAX_CONNECTIONS, maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP }),
    addressBudgets,
    trustedProxies: trusted,
    origins: () => origins,
    draining: () => draining,
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    maxFragments: MAX_FRAGMENTS,
    maxBufferedChunks: MAX_BUFFERED_CHUNKS,
    // Compression lets a small frame inflate to a large message and costs memory per socket.
    perMessageDeflate: false,
  });
  const createSessionContext = createContextFactory({
    broker,
    clock,
    sendRate: { burst: config.SEND_RATE_BURST, perSecond: config.SEND_RATE_PER_SEC },
    leaveGraceMs: config.LEAVE_GRACE_MS,
    addressBudgets,
    counts: metrics?.counts,
    onBackgroundError: (error, session) => logger.error("background_failed", { connectionId: session?.id, error }),
  });
  // What each connection may do: one object for all of them.
  const connectionLimits = {
    joinRate: { burst: config.JOIN_RATE_BURST, perSecond: config.JOIN_RATE_PER_SEC },
    typingRate: { burst: config.TYPING_RATE_BURST, perSecond: config.TYPING_RATE_PER_SEC },
    subscribeRate: { burst: config.SUBSCRIBE_RATE_BURST, perSecond: config.SUBSCRIBE_RATE_PER_SEC },
    maxRooms: config.MAX_ROOMS_PER_CONNECTION,
    maxSubscriptions: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
  };
  const policy = transportPolicy({ config, clock, logger, serverDisconnects: metrics?.counts.serverDisconnects });

  const transport = applyWSSHandler({
    wss,
    router: appRouter,
    // tRPC's heartbeat is a "PING" text message that a client answers with any message
    // ("PONG"); a connection quiet for the interval that then stays quiet for the timeout is
    // terminated, which ends its subscriptions and starts its rooms' leave grace.
    keepAlive: { enabled: true, pingMs: config.HEARTBEAT_INTERVAL_MS, pongWaitMs: config.HEARTBEAT_TIMEOUT_MS },
    createContext: ({ req, res }): ChatContext => {
      const ip = clientAddress(req, trusted);
      const context = createSessionContext({ limits: connectionLimits, address: addressKey(ip) });
      policy.opened(context, res);
      logger.info("connect", { connectionId: context.session.id, ip });
      return context;
    },
    onClose: ({ ctx, code }) => {
      if (ctx === undefined) return;
      logger.info("close", { connectionId: ctx.session.id, code });
      // Starts the leave grace of the connection's rooms.
      ctx.close();
    },
    onError: (report) => {
      if (!report.fromSocket) metrics?.counts.replyError(report.path, report.error.code);
      policy.onError(report);
    },
    backpressure: policy.backpressure,
    requestsPerFrame: policy.requestsPerFrame,
    maxIdLength: REQUEST_ID_MAX_LENGTH,
  });

  const http = createServer(httpTimeouts(config.HTTP_TIMEOUT_MS), (req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error("http_failed", { url: req.url, error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const httpGuard = guardHttp(http, {
    maxSockets: config.MAX_HTTP_CONNECTIONS,
    maxSocketsPerAddress: config.MAX_HTTP_CONNECTIONS_PER_IP ?? socketsPerAddressDefault(openFileLimit()),
    firstRequestMs: config.HTTP_TIMEOUT_MS,
    clock,
    logger,
  });
  metrics?.watch({ transport, broker, http: httpGuard });
  const metricsEndpoint = new MetricsEndpoint(config, metrics, logger);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (pathOf(req) === METRICS_PATH) return metricsEndpoint.servePublic(req, res);
    // Everything served here is read-only.
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
      return;
    }
    if (pathOf(req) === "/healthz") {
      const stats = broker.stats();
      const health = broker.health();
      const body = JSON.stringify({
        // While draining, or while the broker cannot serve (Redis unreachable), 503 tells a load
        // balancer to send new clients elsewhere; draining wins, as it will not pass.
        status: draining ? "shutting_down" : health.ok ? "ok" : "unavailable",
        ...(health.ok ? {} : { reason: health.reason }),
        uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
        connections: wss.clients.size,
        rooms: stats.rooms,
      });
      const status = draining || !health.ok ? 503 : 200;
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }).end(body);
      return;
    }
    await serveStatic(req, res);
  }

  http.on("upgrade", (req, socket, head) => {
    socket.on("error", destroySocket);
    const verdict = gate.admit(req);
    if (!("slot" in verdict)) {
      if (verdict.reason !== undefined) logger.warn(verdict.reason.event, verdict.reason.fields);
      refuseSocket(socket, verdict.status, verdict.retryAfterSeconds);
      return;
    }
    // The slot is held from the handshake until the TCP connection is gone, however it ends.
    socket.once("close", verdict.slot.release);
    // The transport listens for each socket's errors, and reports them (`fromSocket`).
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });


  let metricsUrl: string | null;
  try {
    metricsUrl = await metricsEndpoint.listen();
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(config.PORT, config.HOST, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    // A broker made here is ours to release: a Redis one's connections would keep the process alive.
    if (options.broker === undefined) await broker.close();
    await metricsEndpoint.close();
    throw error;
  }
  // After listening, an `error` is a failure to accept (EMFILE when out of file descriptors):
  // worth a log line, not a crash, since the connections already open are fine.
  http.on("error", (error) => logger.error("server_error", { error }));
  const { port } = http.address() as AddressInfo;
  origins = originsFor(port, config.PUBLIC_ORIGIN, config.ALLOWED_ORIGINS);
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  logger.info("listening", { host: config.HOST, port });

  let closing: Promise<void> | null = null;
  return {
    port,
    url: `http://${host}:${port}`,
    metricsUrl,
    broker,
    close: () => {
      // Synchronously, so that no upgrade is accepted once `close()` has been called.
      draining = true;
      return (closing ??= shutdown({ http, wss, transport, broker, logger }).then(() => metricsEndpoint.close()));
    },
  };
}

/**
 * A socket's `error` listener. Not a closure: one made in the upgrade handler would keep that
 * handler's variables, the request among them, alive as long as the socket.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}
