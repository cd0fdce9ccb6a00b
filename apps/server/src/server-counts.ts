/**
 * What the server counts for its metrics beyond what the transport and the broker keep: messages
 * admitted, errors answered, and connections it closed. Plain numbers, added to where each thing
 * happens and read only when metrics are scraped.
 */
import type { SessionCounts } from "@chat/api";
import { Tally } from "./tally.js";

/** The label of a path no procedure has. */
const UNKNOWN_METHOD = "unknown";

/** The server's own counts. */
export class ServerCounts implements SessionCounts {
  messagesIn = 0;
  /** Requests answered with an error, by procedure and tRPC error code. */
  readonly replyErrors = new Tally<[method: string, code: string]>();
  /** Connections the server closed, by close code, besides slow consumers (the transport counts those). */
  readonly serverDisconnects = new Tally<[code: string]>();

  constructor(
    /** The router's procedure paths: the only ones counted under their own name. */
    private readonly procedures: ReadonlySet<string>,
  ) {}

  /**
   * Counts an error answered for `path`. A path no procedure has is counted as "unknown": the
   * client writes the path, and labels a client chooses would make a series per request.
   */
  replyError(path: string | undefined, code: string): void {
    this.replyErrors.add(path !== undefined && this.procedures.has(path) ? path : UNKNOWN_METHOD, code);
  }
}
