import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { appRouter, type ChatBroker, type Clock, systemClock } from "@chat/api";
import { createBroker } from "./broker-from-config.js";
import { serveChat } from "./chat-transport.js";
import { trustedProxies } from "./client-address.js";
import type { Config } from "./config.js";
import { connectionIdentity } from "./connection-identity.js";
import { ConnectionLimits } from "./connection-limits.js";
import { openFileLimit, socketsPerAddressDefault } from "./fd-limit.js";
import { guardHttp, httpTimeouts } from "./http-guard.js";
import { httpRoutes } from "./http-routes.js";
import { listen } from "./listen.js";
import type { Logger } from "./logger.js";
import { MetricsEndpoint, metricsEnabled } from "./metrics-endpoint.js";
import { ServerMetrics } from "./metrics.js";
import { originsFor } from "./origin.js";
import { addressBudgetsFrom, sessionFactory } from "./session-factory.js";
import { shutdown } from "./shutdown.js";
import { tokenVerifierFrom } from "./token-verifier.js";
import { transportPolicy } from "./transport-policy.js";
import { UpgradeGate } from "./upgrade-gate.js";
import { upgradeHandler } from "./upgrade-handler.js";
import { createWebSocketServer } from "./websocket-server.js";

// The package's index exports it from here.
export { MAX_FRAME_BYTES } from "./websocket-server.js";

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
  // Before the broker: a sign-in key that cannot be used stops the start with nothing to release.
  const verifyToken = await tokenVerifierFrom(config);
  const broker = options.broker ?? createBroker(config, { clock, logger, onRedisCall: metrics?.redisCall });
  const trusted = trustedProxies(config.TRUST_PROXY);
  const addressBudgets = addressBudgetsFrom(config, clock);
  let draining = false;
  let origins: ReadonlySet<string> = new Set();
  const gate = new UpgradeGate({
    limits: new ConnectionLimits({ maxConnections: config.MAX_CONNECTIONS, maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP }),
    addressBudgets,
    trustedProxies: trusted,
    origins: () => origins,
    draining: () => draining,
  });

  const wss = createWebSocketServer();
  const transport = serveChat({
    wss,
    config,
    logger,
    trustedProxies: trusted,
    newSession: sessionFactory({ config, broker, clock, logger, addressBudgets, counts: metrics?.counts }),
    identify: (params) => connectionIdentity(params, { verifyToken, required: config.AUTH_REQUIRED }),
    policy: transportPolicy({ config, clock, logger, serverDisconnects: metrics?.counts.serverDisconnects }),
    counts: metrics?.counts,
  });

  const metricsEndpoint = new MetricsEndpoint(config, metrics, logger);
  const routes = httpRoutes({ staticDir: options.staticDir, broker, clock, logger, metricsEndpoint, connections: () => wss.clients.size, draining: () => draining });
  const http = createServer(httpTimeouts(config.HTTP_TIMEOUT_MS), routes);
  const httpGuard = guardHttp(http, {
    maxSockets: config.MAX_HTTP_CONNECTIONS,
    maxSocketsPerAddress: config.MAX_HTTP_CONNECTIONS_PER_IP ?? socketsPerAddressDefault(openFileLimit()),
    firstRequestMs: config.HTTP_TIMEOUT_MS,
    clock,
    logger,
  });
  metrics?.watch({ transport, broker, http: httpGuard });
  http.on("upgrade", upgradeHandler(gate, wss, logger));

  let metricsUrl: string | null;
  try {
    metricsUrl = await metricsEndpoint.listen();
    await listen(http, config.PORT, config.HOST);
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
