/**
 * The bench's side of its load workers: starts them, deals the clients out among them, and sums
 * what they report.
 */
import { fileURLToPath } from "node:url";
import { type Child, spawnNode } from "../children.js";
import { cpuMicros } from "../proc-stats.js";
import type { Protocol } from "./client.js";
import type { ClientSpec, Command, Reply } from "./commands.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Deliveries of a phase summed over the workers. */
export interface Collected {
  /** Messages and updates. */
  received: number;
  /** Latencies of every message delivery, in ms (unsorted); empty unless samples were asked for. */
  latenciesMs: Float64Array;
  /** From each reaction to its update's arrival at its reactor, in ms (unsorted); empty unless samples were asked for. */
  reactionLatenciesMs: Float64Array;
  errors: number;
  firstError: string | null;
}

interface Worker {
  child: Child;
  /** Answers arrive in the order commands were sent: one queue of waiters per worker. */
  waiting: ((reply: Reply) => void)[];
}

/** A running set of load workers. */
export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` workers. */
  static start(count: number, cwd: string): LoadPool {
    const workers = Array.from({ length: count }, (): Worker => {
      const child = spawnNode({ args: ["--import", "tsx", WORKER], env: { PATH: process.env.PATH ?? "" }, cwd, ipc: true });
      const worker: Worker = { child, waiting: [] };
      child.process.on("message", (reply: Reply) => worker.waiting.shift()?.(reply));
      void child.exited.then(() => {
        for (const waiter of worker.waiting.splice(0)) waiter({ type: "failure", message: `load worker exited\n${child.output()}` });
      });
      return worker;
    });
    return new LoadPool(workers);
  }

  /** Process ids of the workers, to read their CPU time. */
  get pids(): number[] {
    return this.workers.map((worker) => worker.child.pid);
  }

  /** CPU time used by all workers so far, in microseconds. */
  cpuMicros(): number {
    return this.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  }

  /**
   * Opens `clients`, dealt round-robin to the workers; resolves once every one is live or failed
   * (not live within `liveTimeoutMs`, @default 60 s).
   */
  async connect(
    protocol: Protocol,
    url: string,
    clients: ClientSpec[],
    concurrency: number,
    liveTimeoutMs = 60_000,
  ): Promise<{ live: number; failed: number; firstError: string | null }> {
    const shares = this.workers.map((_, index) => clients.filter((_, i) => i % this.workers.length === index));
    const lanes = Math.max(1, Math.ceil(concurrency / this.workers.length));
    const replies = await Promise.all(
      this.workers.map((worker, index) => this.ask(worker, { type: "connect", protocol, url, clients: shares[index] ?? [], concurrency: lanes, liveTimeoutMs }, "connect")),
    );
    return {
      live: replies.reduce((sum, reply) => sum + reply.live, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
      firstError: replies.find((reply) => reply.firstError !== null)?.firstError ?? null,
    };
  }

  /**
   * Makes every client send for `durationMs`, every `reactEvery`th send a reaction (0: none);
   * resolves with the messages and the reactions sent per room.
   */
  async send(phase: number, ratePerClient: number, durationMs: number, reactEvery = 0): Promise<{ sent: Record<string, number>; reactions: Record<string, number> }> {
    const replies = await Promise.all(this.workers.map((worker) => this.ask(worker, { type: "send", phase, ratePerClient, durationMs, reactEvery }, "send")));
    const sum = (pick: (reply: (typeof replies)[number]) => Record<string, number>): Record<string, number> => {
      const total: Record<string, number> = {};
      for (const reply of replies) for (const [room, count] of Object.entries(pick(reply))) total[room] = (total[room] ?? 0) + count;
      return total;
    };
    return { sent: sum((reply) => reply.sent), reactions: sum((reply) => reply.reactions) };
  }

  /** What the workers received of `phase`; with `samples`, the latencies too (and the phase is forgotten). */
  async collect(phase: number, samples: boolean): Promise<Collected> {
    const replies = await Promise.all(this.workers.map((worker) => this.ask(worker, { type: "collect", phase, samples }, "collect")));
    const joined = (pick: (reply: (typeof replies)[number]) => Float64Array | null): Float64Array => {
      const all = new Float64Array(replies.reduce((sum, reply) => sum + (pick(reply)?.length ?? 0), 0));
      let offset = 0;
      for (const reply of replies) {
        const part = pick(reply);
        if (!part) continue;
        all.set(part, offset);
        offset += part.length;
      }
      return all;
    };
    return {
      received: replies.reduce((sum, reply) => sum + reply.received, 0),
      latenciesMs: joined((reply) => reply.latenciesMs),
      reactionLatenciesMs: joined((reply) => reply.reactionLatenciesMs),
      errors: replies.reduce((sum, reply) => sum + reply.errors, 0),
      firstError: replies.find((reply) => reply.firstError !== null)?.firstError ?? null,
    };
  }

  /** Closes every client of every worker. */
  async closeClients(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.ask(worker, { type: "close" }, "close")));
  }

  /** Stops the workers. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.child.stop(1000)));
  }

  private ask<T extends Reply["type"]>(worker: Worker, command: Command, type: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      worker.waiting.push((reply) => {
        if (reply.type === type) resolve(reply as Extract<Reply, { type: T }>);
        else reject(new Error(reply.type === "failure" ? reply.message : `expected a ${type} reply, got ${reply.type}`));
      });
      worker.child.process.send(command);
    });
  }
}
