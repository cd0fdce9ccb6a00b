/**
 * What the public port answers over HTTP: `/metrics` (as `MetricsEndpoint` decides), `/healthz`
 * for load balancers, and the SPA's files.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ChatBroker, Clock } from "@chat/api";
import type { Logger } from "./logger.js";
import { METRICS_PATH, type MetricsEndpoint } from "./metrics-endpoint.js";
import { createStaticHandler } from "./static-files.js";
import { pathOf } from "./upgrade-gate.js";

/** What `httpRoutes` answers from. */
export interface HttpRoutesDeps {
  /** Where the SPA's build is served from. */
  staticDir: string;
  broker: ChatBroker;
  clock: Clock;
  logger: Logger;
  metricsEndpoint: MetricsEndpoint;
  /** How many WebSocket connections are open. */
  connections(): number;
  /** Whether the server is shutting down. */
  draining(): boolean;
}

/** The public port's request listener; uptime counts from when it is made. A request that fails is logged and answered 500. */
export function httpRoutes({ staticDir, broker, clock, logger, metricsEndpoint, connections, draining }: HttpRoutesDeps): RequestListener {
  const startedAt = clock.now();
  const serveStatic = createStaticHandler(staticDir);

  const healthz = (res: ServerResponse): void => {
    const stats = broker.stats();
    const health = broker.health();
    const body = JSON.stringify({
      // While draining, or while the broker cannot serve (Redis unreachable), 503 tells a load
      // balancer to send new clients elsewhere; draining wins, as it will not pass.
      status: draining() ? "shutting_down" : health.ok ? "ok" : "unavailable",
      ...(health.ok ? {} : { reason: health.reason }),
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
      connections: connections(),
      rooms: stats.rooms,
    });
    const status = draining() || !health.ok ? 503 : 200;
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }).end(body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (pathOf(req) === METRICS_PATH) return metricsEndpoint.servePublic(req, res);
    // Everything served here is read-only.
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
      return;
    }
    if (pathOf(req) === "/healthz") {
      healthz(res);
      return;
    }
    await serveStatic(req, res);
  };

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error("http_failed", { url: req.url, error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}
