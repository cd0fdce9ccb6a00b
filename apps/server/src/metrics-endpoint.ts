/**
 * Where `GET /metrics` is answered. Metrics tell an outsider how busy the server is and how it
 * fails, so they are off the public port by default: on a port of their own (`METRICS_PORT`, on
 * `METRICS_HOST`, loopback unless told otherwise), or, with no such port, on the public port
 * behind `Authorization: Bearer <METRICS_TOKEN>`. With neither, `/metrics` is 404 and no port is
 * opened. A token that is set is asked for wherever the metrics are served.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import { httpTimeouts } from "./http-guard.js";
import { listen } from "./listen.js";
import type { Logger } from "./logger.js";
import type { ServerMetrics } from "./metrics.js";
import { pathOf } from "./upgrade-gate.js";

/** The path metrics are served at. */
export const METRICS_PATH = "/metrics";
/** Sockets the metrics port keeps open at once: scrapers are few, and it must not become a way to hold descriptors. */
const MAX_METRICS_SOCKETS = 64;

/** Whether `config` serves metrics anywhere: only then is a registry worth building. */
export function metricsEnabled(config: Pick<Config, "METRICS_PORT" | "METRICS_TOKEN">): boolean {
  return config.METRICS_PORT !== undefined || config.METRICS_TOKEN !== undefined;
}

/** Serves a server's metrics where its config says. */
export class MetricsEndpoint {
  #server: Server | null = null;

  constructor(
    private readonly config: Pick<Config, "METRICS_PORT" | "METRICS_HOST" | "METRICS_TOKEN" | "HTTP_TIMEOUT_MS">,
    /** The metrics; null when `metricsEnabled(config)` is false, and `/metrics` is then 404 everywhere. */
    private readonly metrics: ServerMetrics | null,
    private readonly logger: Logger,
  ) {}

  /** Answers `/metrics` on the public port: behind the token when only `METRICS_TOKEN` is set, otherwise 404. */
  async servePublic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.config.METRICS_PORT !== undefined || this.config.METRICS_TOKEN === undefined) {
      notFound(res);
      return;
    }
    await this.serve(req, res);
  }

  /** Opens `METRICS_PORT` when set; resolves with its URL once it listens, or null. */
  async listen(): Promise<string | null> {
    const port = this.config.METRICS_PORT;
    if (port === undefined) return null;
    const server = createServer(httpTimeouts(this.config.HTTP_TIMEOUT_MS), (req, res) => {
      if (pathOf(req) !== METRICS_PATH) notFound(res);
      else this.serve(req, res).catch((error: unknown) => this.failed(res, error));
    });
    server.maxConnections = MAX_METRICS_SOCKETS;
    await listen(server, port, this.config.METRICS_HOST);
    server.on("error", (error) => this.logger.error("metrics_server_error", { error }));
    this.#server = server;
    const address = server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.logger.info("metrics_listening", { host: address.address, port: address.port });
    return `http://${host}:${address.port}`;
  }

  /** Closes the metrics port, if open, and the sockets on it. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The metrics in Prometheus's text format, to a GET that carries the token when one is set. */
  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method Not Allowed\n");
      return;
    }
    const token = this.config.METRICS_TOKEN;
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain; charset=utf-8" }).end("Unauthorized\n");
      return;
    }
    const registry = this.metrics?.registry;
    if (registry === undefined) {
      notFound(res);
      return;
    }
    const body = await registry.metrics();
    res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
  }

  private failed(res: ServerResponse, error: unknown): void {
    this.logger.error("metrics_failed", { error });
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found\n");
}

/**
 * Whether `authorization` is `Bearer <token>`. Both sides are hashed first, so that the
 * comparison takes the same time whatever the length or the content of the guess.
 */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  const digest = (text: string): Buffer => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(match?.[1] ?? ""), digest(token));
}
