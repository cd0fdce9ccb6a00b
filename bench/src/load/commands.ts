/**
 * The messages between the bench and its load workers, over Node's IPC channel (structured
 * clone, so latency samples travel as a typed array).
 */
import type { Protocol } from "./client.js";

/** A client to open: its room and name. */
export interface ClientSpec {
  roomId: string;
  username: string;
}

/** What the bench asks a worker. Each gets exactly one `Reply` of the same `type`. */
export type Command =
  /** Opens these clients (at most `concurrency` setting up at once) and waits until each is live or took longer than `liveTimeoutMs`. */
  | { type: "connect"; protocol: Protocol; url: string; clients: ClientSpec[]; concurrency: number; liveTimeoutMs: number }
  /**
   * Every live client sends `ratePerClient` messages a second for `durationMs`, tagged `phase`;
   * with `reactEvery` above 0, every `reactEvery`th send of each client is a reaction instead.
   */
  | { type: "send"; phase: number; ratePerClient: number; durationMs: number; reactEvery: number }
  /** Deliveries (messages and updates) of `phase` received so far; `samples` also returns the latencies. */
  | { type: "collect"; phase: number; samples: boolean }
  /** Closes every client. */
  | { type: "close" };

/** A worker's answer. */
export type Reply =
  | { type: "connect"; live: number; failed: number; firstError: string | null }
  /** Messages and reactions sent per room. */
  | { type: "send"; sent: Record<string, number>; reactions: Record<string, number> }
  /** `latenciesMs` of the messages' deliveries; `reactionLatenciesMs` of each reaction's update at its reactor. */
  | { type: "collect"; received: number; latenciesMs: Float64Array | null; reactionLatenciesMs: Float64Array | null; errors: number; firstError: string | null }
  | { type: "close" }
  /** The command failed; the bench stops. */
  | { type: "failure"; message: string };
