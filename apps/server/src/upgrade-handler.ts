/**
 * The public port's `upgrade` listener: an upgrade the gate refuses is answered with an HTTP
 * status before any WebSocket exists; one it lets through holds its connection slot until its
 * TCP connection is gone.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { refuseSocket } from "./http-guard.js";
import type { Logger } from "./logger.js";
import type { UpgradeGate } from "./upgrade-gate.js";

/** Admits each upgrade through `gate` and hands the ones let through to `wss`. */
export function upgradeHandler(gate: UpgradeGate, wss: WebSocketServer, logger: Logger): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
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
  };
}

/**
 * A socket's `error` listener. Not a closure: one made in the upgrade handler would keep that
 * handler's variables, the request among them, alive as long as the socket.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}
