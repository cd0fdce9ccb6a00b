/**
 * A load worker: a child process of the bench holding many lightweight clients. It opens them,
 * makes them send (and react) at a set rate, and counts what they receive per phase with its
 * latency. Kept in its own process so that the load is not generated on the bench's (or a
 * server's) event loop.
 *
 * Run only by the bench (`node --import tsx bench/src/load/worker.ts`, with an IPC channel).
 */
import type { BenchClient, ClientEvents, ClientOpener, Protocol } from "./client.js";
import type { ClientSpec, Command, Reply } from "./commands.js";
import { findMark, markedText, nowMs } from "./marker.js";
import { openRawWsClient } from "./raw-ws-client.js";
import { openSocketIoClient } from "./socketio-client.js";
import { openTrpcClient } from "./trpc-client.js";

/** The send loop's period: short enough to spread sends evenly, long enough to batch them. */
const SEND_TICK_MS = 2;

const openers: Record<Protocol, ClientOpener> = { trpc: openTrpcClient, "raw-ws": openRawWsClient, socketio: openSocketIoClient };

interface PhaseTally {
  /** Messages and updates. */
  received: number;
  latencies: number[];
  reactionLatencies: number[];
}

interface Live {
  client: BenchClient;
  roomId: string;
  /** Sends until this client's next reaction, when the phase has reactions. */
  untilReaction: number;
}

const phases = new Map<number, PhaseTally>();
let clients: Live[] = [];
let errors = 0;
let firstError: string | null = null;

function tallyOf(phase: number): PhaseTally {
  let tally = phases.get(phase);
  if (!tally) phases.set(phase, (tally = { received: 0, latencies: [], reactionLatencies: [] }));
  return tally;
}

const events: ClientEvents = {
  onDelivery(frame) {
    const mark = findMark(frame);
    if (!mark) return;
    const tally = tallyOf(mark.phase);
    tally.received++;
    tally.latencies.push(nowMs() - mark.sentAtMs);
  },
  onUpdate(frame, ownLatencyMs) {
    // The mark is the reacted message's, which was of the phase that reacted to it (clients react
    // only to messages of the phase sending); its send time says nothing of the update's.
    const mark = findMark(frame);
    if (!mark) return;
    const tally = tallyOf(mark.phase);
    tally.received++;
    if (ownLatencyMs !== null) tally.reactionLatencies.push(ownLatencyMs);
  },
  onError(message) {
    errors++;
    firstError ??= message;
  },
};

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not live within ${ms} ms`)), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

async function connect(protocol: Protocol, url: string, specs: ClientSpec[], concurrency: number, liveTimeoutMs: number): Promise<Reply> {
  const open = openers[protocol];
  let next = 0;
  let live = 0;
  let failed = 0;
  let connectError: string | null = null;
  // A fixed number of lanes, each opening its next client once the previous one is live: "as fast
  // as possible" without a SYN flood past the server's listen backlog.
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++];
      if (!spec) break;
      const client = open(url, spec.roomId, spec.username, events);
      try {
        await withTimeout(client.live, liveTimeoutMs);
        clients.push({ client, roomId: spec.roomId, untilReaction: 0 });
        live++;
      } catch (error) {
        client.close();
        failed++;
        connectError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { type: "connect", live, failed, firstError: connectError };
}

function send(phase: number, ratePerClient: number, durationMs: number, reactEvery: number): Promise<Reply> {
  const sent: Record<string, number> = {};
  const reactions: Record<string, number> = {};
  const total = clients.length * ratePerClient;
  if (clients.length === 0 || total <= 0) return Promise.resolve({ type: "send", sent, reactions });
  // Staggered, so that every second has its share of reactions (otherwise every member's tenth
  // send would fall in the same second), and a phase of only a few sends per member has them too.
  if (reactEvery > 0) {
    clients.forEach((live, index) => {
      live.untilReaction = 1 + (index % reactEvery);
    });
  }
  const started = nowMs();
  let done = 0;
  // Round robin from a random client, so every client sends at the same rate, evenly spaced.
  let cursor = Math.floor(Math.random() * clients.length);
  return new Promise((resolve) => {
    const tick = (): void => {
      const elapsed = Math.min(nowMs() - started, durationMs);
      const due = Math.floor((elapsed / 1000) * total) - done;
      for (let i = 0; i < due; i++) {
        const target = clients[cursor];
        cursor = (cursor + 1) % clients.length;
        if (!target) continue;
        // A client with no message of this phase to react to yet sends one, and reacts at its next send.
        if (reactEvery > 0 && --target.untilReaction <= 0 && target.client.react?.(phase)) {
          target.untilReaction = reactEvery;
          reactions[target.roomId] = (reactions[target.roomId] ?? 0) + 1;
        } else {
          target.client.send(markedText(phase));
          sent[target.roomId] = (sent[target.roomId] ?? 0) + 1;
        }
      }
      done += Math.max(0, due);
      if (elapsed >= durationMs) resolve({ type: "send", sent, reactions });
      else setTimeout(tick, SEND_TICK_MS);
    };
    tick();
  });
}

function collect(phase: number, samples: boolean): Reply {
  const tally = phases.get(phase);
  const reply: Reply = {
    type: "collect",
    received: tally?.received ?? 0,
    latenciesMs: samples ? Float64Array.from(tally?.latencies ?? []) : null,
    reactionLatenciesMs: samples ? Float64Array.from(tally?.reactionLatencies ?? []) : null,
    errors,
    firstError,
  };
  if (samples) phases.delete(phase);
  return reply;
}

async function handle(command: Command): Promise<Reply> {
  switch (command.type) {
    case "connect":
      return connect(command.protocol, command.url, command.clients, command.concurrency, command.liveTimeoutMs);
    case "send":
      return send(command.phase, command.ratePerClient, command.durationMs, command.reactEvery);
    case "collect":
      return collect(command.phase, command.samples);
    case "close":
      for (const { client } of clients) client.close();
      clients = [];
      phases.clear();
      errors = 0;
      firstError = null;
      return { type: "close" };
  }
}

const reply = (message: Reply): void => {
  process.send?.(message);
};
process.on("message", (command: Command) => {
  handle(command).then(reply, (error: unknown) => reply({ type: "failure", message: error instanceof Error ? error.message : String(error) }));
});
// The bench went away (even killed outright): nothing is left to do.
process.on("disconnect", () => process.exit(0));
