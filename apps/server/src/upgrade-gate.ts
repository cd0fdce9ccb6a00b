/**
 * What a WebSocket upgrade must pass before a socket is opened for it: the path, the page's
 * origin, the server not draining, the caps on open connections, and the client address's budget
 * of connections opened. Each refusal is an HTTP status, so a client is told before it costs a
 * socket, a context or a slot.
 */
import type { IncomingMessage } from "node:http";
import type { BlockList } from "node:net";
import type { AddressBudgets } from "@chat/api";
import { addressKey, clientAddress } from "./client-address.js";
import type { ConnectionLimits, ConnectionSlot } from "./connection-limits.js";
import { isOriginAllowed } from "./origin.js";

/** The endpoint path of tRPC over WebSocket. */
export const TRPC_PATH = "/trpc";

/**
 * `Retry-After` of an upgrade refused because the server is full or shutting down: long
 * enough that refused clients do not hammer it, short enough for a restart or a burst to pass.
 */
const RETRY_AFTER_SECONDS = 5;

/** An upgrade let through: the connection slot it holds, and the client's address key. */
export interface Admitted {
  slot: ConnectionSlot;
  /** The key of the client's address budget (`addressKey`). */
  address: string;
}

/** An upgrade refused: the HTTP status line, and for a refusal that passes, when to try again. */
export interface Refused {
  status: string;
  retryAfterSeconds?: number;
  /** For the log: why, when it is worth a line (origin refused, a cap reached). */
  reason?: { event: string; fields: Record<string, unknown> };
}

/** What the gate checks against. */
export interface UpgradeGateDeps {
  limits: ConnectionLimits;
  addressBudgets: AddressBudgets;
  trustedProxies: BlockList;
  /** The origins a page may open a socket from; set once the server listens (the port is known then). */
  origins(): ReadonlySet<string>;
  /** Whether the server is shutting down. */
  draining(): boolean;
}

/** Decides each upgrade; one per server. */
export class UpgradeGate {
  constructor(private readonly deps: UpgradeGateDeps) {}

  /** Lets `req` through with a connection slot, or says how to refuse it. */
  admit(req: IncomingMessage): Admitted | Refused {
    const ip = clientAddress(req, this.deps.trustedProxies);
    if (pathOf(req) !== TRPC_PATH) return { status: "404 Not Found" };
    if (!isOriginAllowed(req, this.deps.origins())) {
      return { status: "403 Forbidden", reason: { event: "origin_refused", fields: { origin: req.headers.origin, ip } } };
    }
    if (this.deps.draining()) return { status: "503 Service Unavailable", retryAfterSeconds: RETRY_AFTER_SECONDS };
    const address = addressKey(ip);
    const wait = this.deps.addressBudgets.of(address).connect.wait();
    if (wait > 0) {
      return {
        status: "503 Service Unavailable",
        retryAfterSeconds: Math.ceil(wait / 1000),
        reason: { event: "connection_refused", fields: { reason: "address_connect_rate", ip } },
      };
    }
    const slot = this.deps.limits.acquire(address);
    if (typeof slot === "string") {
      return { status: "503 Service Unavailable", retryAfterSeconds: RETRY_AFTER_SECONDS, reason: { event: "connection_refused", fields: { reason: slot, ip, connections: this.deps.limits.total } } };
    }
    this.deps.addressBudgets.of(address).connect.take();
    return { slot, address };
  }
}

/** The request's path without its query string. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?", 1)[0] ?? "/";
}
