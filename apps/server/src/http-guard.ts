/**
 * What HTTP sockets may cost the server before they have asked for anything useful: how long one
 * may take to send its request, and how many may be open, in total, per client address, and
 * within the process's file descriptors. Every TCP socket counts from `connection` until `close`,
 * an upgraded WebSocket included: it holds a descriptor as long as it lives. A socket past a cap
 * is answered 503 with `Retry-After` and closed, so a slowloris that opens thousands of sockets
 * from one address holds at most its share, and the server never runs out of descriptors to
 * accept (and answer) everyone else with.
 *
 * The address is the TCP peer's (`peerAddress`): no request has been read yet, so a trusted
 * proxy's `X-Forwarded-For` cannot be, and all clients behind one proxy share its budget here.
 */
import type { Server as HttpServer, IncomingMessage, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Clock } from "@chat/api";
import { addressKey, peerAddress } from "./client-address.js";
import { ConnectionLimits } from "./connection-limits.js";
import { openFileCount, openFileLimit, socketCeiling } from "./fd-limit.js";
import { LogThrottle } from "./log-throttle.js";
import type { Logger } from "./logger.js";

/** Why a socket was turned away. */
export type HttpRefusal = "max_http_connections" | "max_http_connections_per_ip" | "fd_limit";

/** `Retry-After` of a refused socket: long enough that a refused client does not hammer, short enough for a burst to pass. */
const RETRY_AFTER_SECONDS = 5;
/** Sockets below the ceiling at which a file-descriptor episode counts as over, so one at the edge is logged once. */
const EPISODE_END_SHARE = 0.9;
/**
 * How long a refused socket is kept, its answer sent and its side closed, for the client to read
 * the answer and close: a socket closed with the client's request unread makes the kernel send a
 * reset, and the client may then lose the 503 it had not read yet.
 */
const REFUSAL_LINGER_MS = 2000;

/** What the guard counts against. */
export interface HttpGuardOptions {
  /** Sockets open at once, in total (`MAX_HTTP_CONNECTIONS`). */
  maxSockets: number;
  /** Sockets open at once from one client address (`MAX_HTTP_CONNECTIONS_PER_IP`). */
  maxSocketsPerAddress: number;
  /** Sockets the process's descriptors allow (`socketCeiling`); null: unknown, not checked. */
  fileCeiling: number | null;
  /** The process's soft limit on open files, for the log. */
  fileLimit: number | null;
  /** How long a socket may stay silent before its first request (`HTTP_TIMEOUT_MS`). */
  firstRequestMs: number;
  clock: Clock;
  logger: Logger;
}

/** Counts a server's open sockets and turns away those past a cap. */
export class HttpGuard {
  /** Sockets refused since the server started, by reason (for metrics). */
  readonly refused: Record<HttpRefusal, number> = { max_http_connections: 0, max_http_connections_per_ip: 0, fd_limit: 0 };
  readonly #options: HttpGuardOptions;
  readonly #limits: ConnectionLimits;
  readonly #logs: LogThrottle;
  /** Whether sockets are being refused for want of descriptors; logged once per episode. */
  #starved = false;
  /** Refused sockets that are still closing (`REFUSAL_LINGER_MS`); they hold descriptors too. */
  #closing = 0;
  /** Sockets that have not yet sent a request, and are closed if they stay silent for `firstRequestMs`. */
  readonly #silent = new WeakSet<Socket>();

  constructor(options: HttpGuardOptions) {
    this.#options = options;
    this.#limits = new ConnectionLimits({ maxConnections: options.maxSockets, maxConnectionsPerIp: options.maxSocketsPerAddress });
    this.#logs = new LogThrottle(1000, options.clock);
  }

  /** Sockets open now, refused ones that are still closing aside. */
  get open(): number {
    return this.#limits.total;
  }

  /** Refused sockets still closing. */
  get closing(): number {
    return this.#closing;
  }

  /** Guards the sockets `server` accepts from now on. */
  watch(server: HttpServer): void {
    server.on("connection", this.admit);
    // First, so the silence timer is cleared before a handler's answer sets Node's keep-alive timer.
    server.prependListener("request", this.heard);
    server.prependListener("upgrade", this.heard);
  }

  /** The server's `connection` listener: counts `socket` until it closes, or refuses it. */
  private readonly admit = (socket: Socket): void => {
    const ip = peerAddress(socket);
    const address = addressKey(ip);
    const refusal = this.starved() ? "fd_limit" : this.#limits.acquire(address);
    if (typeof refusal === "string") {
      const reason = refusal === "fd_limit" ? refusal : refusal === "max_connections" ? "max_http_connections" : "max_http_connections_per_ip";
      this.refused[reason]++;
      const refusals = this.#logs.take(address);
      if (refusals > 0) this.#options.logger.warn("http_refused", { reason, ip, refusals, open: this.open });
      this.refuse(socket, reason);
      return;
    }
    socket.once("close", () => {
      refusal.release();
      this.recover();
    });
    // Node's `headersTimeout` misses a socket that never sends a byte (its parser has no message
    // start to time from), so silence gets a timer of its own; Node's server destroys the socket
    // when it fires, and `heard` clears it once a request comes.
    socket.setTimeout(this.#options.firstRequestMs);
    this.#silent.add(socket);
  };

  /** The server's `request` and `upgrade` listener: the socket has spoken, and is Node's to time out from now on. */
  private readonly heard = (req: IncomingMessage): void => {
    if (this.#silent.delete(req.socket)) req.socket.setTimeout(0);
  };

  /**
   * Answers 503 and closes. Out of descriptors, at once; otherwise after the client has closed its
   * side or `REFUSAL_LINGER_MS` (Node's server destroys a socket whose timer fires), counted among
   * the descriptors meanwhile, so that refusals cannot be what runs them out.
   */
  private refuse(socket: Socket, reason: HttpRefusal): void {
    if (reason === "fd_limit") {
      refuseSocket(socket, "503 Service Unavailable", RETRY_AFTER_SECONDS);
      return;
    }
    this.#closing++;
    socket.once("close", () => {
      this.#closing--;
      this.recover();
    });
    socket.end(refusal("503 Service Unavailable", RETRY_AFTER_SECONDS));
    socket.setTimeout(REFUSAL_LINGER_MS);
  }

  /** Whether the sockets held have reached what the descriptors allow; the first time in an episode, says so. */
  private starved(): boolean {
    const { fileCeiling, fileLimit, logger } = this.#options;
    if (fileCeiling === null || this.open + this.#closing < fileCeiling) return false;
    if (!this.#starved) {
      this.#starved = true;
      logger.warn("fd_limit", { open: this.open, closing: this.#closing, ceiling: fileCeiling, limit: fileLimit });
    }
    return true;
  }

  /** Ends a file-descriptor episode once enough sockets have closed. */
  private recover(): void {
    const { fileCeiling, logger } = this.#options;
    if (!this.#starved || fileCeiling === null || this.open + this.#closing >= fileCeiling * EPISODE_END_SHARE) return;
    this.#starved = false;
    logger.info("fd_limit_over", { open: this.open, refused: this.refused.fd_limit });
  }
}

/** What a server's HTTP guard is made from. */
export interface GuardHttpDeps {
  maxSockets: number;
  maxSocketsPerAddress: number;
  firstRequestMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Guards `server`'s sockets with the caps given and the process's own file limit, read now (before
 * the server listens, so what the process already holds is what it needs besides client sockets).
 */
export function guardHttp(server: HttpServer, deps: GuardHttpDeps): HttpGuard {
  const fileLimit = openFileLimit();
  const fileCeiling = fileLimit === null ? null : socketCeiling(fileLimit, openFileCount());
  const guard = new HttpGuard({ ...deps, fileLimit, fileCeiling });
  guard.watch(server);
  return guard;
}

/**
 * Node's timeouts for a request to arrive, as `createServer` options: its headers and its whole
 * body within `timeoutMs`, or 408 and the socket closed. Node checks them only every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow socket live 40 s), so the
 * check runs four times per timeout, at most once a second. An upgraded WebSocket is no longer
 * Node's to time out; a socket that never sends a byte is `HttpGuard`'s.
 */
export function httpTimeouts(timeoutMs: number): Pick<ServerOptions, "headersTimeout" | "requestTimeout" | "connectionsCheckingInterval"> {
  return { headersTimeout: timeoutMs, requestTimeout: timeoutMs, connectionsCheckingInterval: Math.min(1000, Math.ceil(timeoutMs / 4)) };
}

/**
 * Answers a socket whose request has been read (an upgrade's) with an HTTP error, and closes it
 * once the answer is written. Closed, not only ended: a client that never closes its side would
 * otherwise keep the socket, and its descriptor, forever. Browsers do not show the status to
 * scripts; proxies and other clients do, and honour `Retry-After`.
 */
export function refuseSocket(socket: Duplex, status: string, retryAfterSeconds?: number): void {
  socket.end(refusal(status, retryAfterSeconds), () => socket.destroy());
}

/** An HTTP response of `status` with no body, closing the connection. */
function refusal(status: string, retryAfterSeconds?: number): string {
  const retryAfter = retryAfterSeconds === undefined ? "" : `Retry-After: ${retryAfterSeconds}\r\n`;
  return `HTTP/1.1 ${status}\r\n${retryAfter}Connection: close\r\nContent-Length: 0\r\n\r\n`;
}
