/**
 * Caps on open WebSocket connections, in total and per client IP, so that one host (or a flood
 * of hosts) cannot exhaust the server's sockets and memory.
 *
 * Per IP means the TCP peer's address. Behind a reverse proxy or load balancer every client
 * arrives from the proxy's address, so the per-IP cap then caps the whole proxy: raise
 * `MAX_CONNECTIONS_PER_IP` to `MAX_CONNECTIONS` there and let the proxy limit per client.
 * `X-Forwarded-For` is deliberately not read: any client can write it, and a cap a client
 * chooses its own key for is no cap.
 */

/** Which cap refused a connection. */
export type ConnectionRefusal = "max_connections" | "max_connections_per_ip";

/** A held connection slot; `release()` gives it back and is safe to call more than once. */
export interface ConnectionSlot {
  release(): void;
}

/** Limits of `ConnectionLimits`. */
export interface ConnectionLimitsOptions {
  /** Open connections allowed in total. */
  maxConnections: number;
  /** Open connections allowed from one remote address. */
  maxConnectionsPerIp: number;
}

/** Counts open connections, in total and by remote address, and refuses those past a cap. */
export class ConnectionLimits {
  readonly #options: ConnectionLimitsOptions;
  readonly #byIp = new Map<string, number>();
  #total = 0;

  constructor(options: ConnectionLimitsOptions) {
    this.#options = options;
  }

  /** Open connections counted now. */
  get total(): number {
    return this.#total;
  }

  /** Takes a slot for a connection from `ip`, or names the cap that is reached. */
  acquire(ip: string): ConnectionSlot | ConnectionRefusal {
    if (this.#total >= this.#options.maxConnections) return "max_connections";
    const fromIp = this.#byIp.get(ip) ?? 0;
    if (fromIp >= this.#options.maxConnectionsPerIp) return "max_connections_per_ip";
    this.#total++;
    this.#byIp.set(ip, fromIp + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#byIp.get(ip) ?? 1) - 1;
        // Drop the entry at zero, so the map holds only addresses with open connections.
        if (left <= 0) this.#byIp.delete(ip);
        else this.#byIp.set(ip, left);
      },
    };
  }
}
