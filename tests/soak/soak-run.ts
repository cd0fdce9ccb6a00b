/**
 * The soak run shared by `npm run soak` (60 s) and `integration/soak.test.ts` (10 s): typed
 * clients join, chat, leave, drop their sockets and restart at random across a few rooms of an
 * in-process server, then everyone leaves and the server must be back to empty.
 *
 * What is checked (see `SoakReport`):
 * - Honest clients get no error except a call cut off by their own dropped socket (the client
 *   library fails it; the actor retries it, a send with the same `clientMessageId`).
 * - A subscription that had started before a message's send was issued, and was still open at
 *   the end, received that acknowledged message exactly once. A dropped socket does not end a
 *   subscription: the typed client resumes it with `lastEventId`, so it must miss nothing either.
 * - No subscription received any message twice, or one sender's messages out of order, or a gap notice.
 * - After everyone leaves and disconnects: no broker streams, no members in any room, no connections.
 */
import { type ChatClient, createChatClient } from "@chat/client";
import { createLogger, loadConfig, startChatServer } from "@chat/server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { TRPCClientError } from "@trpc/client";
import WebSocket from "ws";
import { GENEROUS_LIMITS } from "../fixtures/generous-limits.js";
import { createStaticSite } from "../fixtures/static-site.js";
import { checkDeliveries, type Sent, type Subscription } from "./deliveries.js";
import { type HostileCounts, runHostile } from "./hostile.js";
import { garbageCollector, type MemoryUsage, memory, random, settle, sleep } from "./soak-util.js";

/** What to run. */
export interface SoakOptions {
  /** How long the clients act, before the checks and the teardown. */
  durationMs: number;
  /** @default 300 */
  clients?: number;
  /** @default 20 */
  rooms?: number;
  /** Mean pause between one client's actions. @default 1500 */
  actionIntervalMs?: number;
  /** Seeds the choice of actions (timings still vary). @default 1 */
  seed?: number;
  /** Hostile actors mixed in (`hostile.ts`), each from a loopback address of its own. @default 0 */
  hostile?: number;
}

/** What happened, and what the checks found. */
export interface SoakReport {
  clients: number;
  rooms: number;
  durationMs: number;
  /** Acknowledged text messages. */
  messages: number;
  /** Text messages received by all subscriptions, in total. */
  deliveries: number;
  /** Deliveries that the exactly-once rule required (all were checked). */
  requiredDeliveries: number;
  /** `reconnects` counts every socket a client opened after its first: after drops, and on its own. */
  actions: { joins: number; leaves: number; drops: number; reconnects: number; restarts: number; retries: number };
  /** Errors the protocol does not explain by what the client did; should be empty. */
  unexpectedErrors: string[];
  /** Missing, doubled or reordered deliveries, gap notices; should be empty. */
  violations: string[];
  /** Counts after everyone left and disconnected. */
  end: { streams: number; members: number; connections: number };
  /** How many times the hostile actors ran each attack. */
  hostile: HostileCounts | null;
  memory: { gcAvailable: boolean; before: MemoryUsage; after: MemoryUsage };
}

interface Actor {
  username: string;
  client: ChatClient;
  /** The client's current socket, so the soak can drop it. */
  connection: { socket: WebSocket | null };
  rooms: Map<string, Subscription>;
  /** When this actor dropped its socket, oldest first (`performance.now()`). */
  drops: number[];
  /** When the client opened each socket after its first (its reconnects, ours or its own). */
  reconnects: number[];
}

/** Runs the soak against a fresh in-process server and reports; it throws only if the server cannot start. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const clientCount = options.clients ?? 300;
  const roomCount = options.rooms ?? 20;
  const interval = options.actionIntervalMs ?? 1500;
  const rand = random(options.seed ?? 1);
  const gc = garbageCollector();
  const site = await createStaticSite();
  // A database of its own, on the default store: never the developer's data/.
  const dataDir = mkdtempSync(joinPath(tmpdir(), "chat-soak-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    LEAVE_GRACE_MS: "50",
    // Honest clients are not flooding: the budgets are raised so refusals do not blur the checks.
    ...GENEROUS_LIMITS,
    JOIN_RATE_BURST: "1000",
    JOIN_RATE_PER_SEC: "1000",
    // Every client comes from 127.0.0.1 (default 500 per address).
    MAX_CONNECTIONS_PER_IP: "10000",
    MAX_HTTP_CONNECTIONS_PER_IP: "10000",
  });
  const server = await startChatServer({ config, logger: createLogger("silent"), staticDir: site.dir });
  const wsUrl = `ws://127.0.0.1:${server.port}/trpc`;
  const rooms = Array.from({ length: roomCount }, (_, index) => `soak-${index}`);
  const memoryBefore = memory(gc);

  const subscriptions: Subscription[] = [];
  const sent: Sent[] = [];
  const unexpectedErrors: string[] = [];
  const violations: string[] = [];
  const actions = { joins: 0, leaves: 0, drops: 0, reconnects: 0, restarts: 0, retries: 0 };
  let generation = 0;

  const newActor = (index: number): Actor => {
    const connection: Actor["connection"] = { socket: null };
    const reconnects: number[] = [];
    // The class the client constructs its sockets with, so the soak can drop the current one.
    class TrackedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        if (connection.socket !== null) {
          reconnects.push(performance.now());
          actions.reconnects++;
        }
        connection.socket = this;
      }
    }
    const client = createChatClient({ url: wsUrl, WebSocket: TrackedWebSocket, retryDelayMs: () => 50 + Math.random() * 100 });
    return { username: `u${index}-${generation++}`, client, connection, rooms: new Map(), drops: [], reconnects };
  };

  /**
   * Runs `call`, retrying it while it fails because this actor's own socket was dropped (within
   * the last 2 s): the one error the protocol gives an honest client for what it did here.
   */
  const attempt = async <T>(actor: Actor, what: string, call: () => Promise<T>): Promise<T | null> => {
    for (let tries = 0; ; tries++) {
      const startedAt = performance.now();
      try {
        return await call();
      } catch (error) {
        const transport = error instanceof TRPCClientError && error.data === undefined;
        // The client's own reconnects (a keep-alive timeout on a busy machine) cut calls off too;
        // the new socket is opened after the retry delay, so that is waited for before judging.
        if (transport && (actor.drops.at(-1) ?? -Infinity) <= startedAt - 2_000) await sleep(500);
        const lastCutAt = Math.max(actor.drops.at(-1) ?? -Infinity, actor.reconnects.at(-1) ?? -Infinity);
        if (transport && lastCutAt > startedAt - 2_000 && tries < 20) {
          actions.retries++;
          await sleep(100);
          continue;
        }
        const message = error instanceof Error ? error.message : String(error);
        const now = performance.now();
        const recent = (times: number[]): string[] => times.filter((at) => at > now - 5_000).map((at) => `-${Math.round(now - at)} ms`);
        const recentDrops = recent(actor.drops);
        const recentReconnects = recent(actor.reconnects);
        const line = `${actor.username} ${what}: ${message} (in the last 5 s, sockets dropped by the soak: ${recentDrops.join(", ") || "none"}; reconnects: ${recentReconnects.join(", ") || "none"})`;
        unexpectedErrors.push(line);
        return null;
      }
    }
  };

  const join = async (actor: Actor, roomId: string): Promise<void> => {
    const joined = await attempt(actor, `joinRoom ${roomId}`, () => actor.client.trpc.joinRoom.mutate({ roomId, username: actor.username }));
    if (joined === null) return;
    actions.joins++;
    const subscription: Subscription = { roomId, since: null, until: null, received: [], unsubscribe: () => {} };
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const handle = actor.client.trpc.onMessage.subscribe(
      { roomId, lastEventId: joined.history.at(-1)?.id ?? null },
      {
        onStarted: () => {
          subscription.since ??= performance.now();
          markStarted();
        },
        onData: ({ id, data }) => {
          if (data.kind === "gap") violations.push(`${actor.username} got a gap notice in ${roomId}`);
          if (data.kind === "user") subscription.received.push(id);
        },
        onError: (error) => unexpectedErrors.push(`${actor.username} onMessage ${roomId}: ${error.message}`),
      },
    );
    subscription.unsubscribe = () => handle.unsubscribe();
    subscriptions.push(subscription);
    actor.rooms.set(roomId, subscription);
    await Promise.race([started, sleep(10_000)]);
  };

  const leave = async (actor: Actor, roomId: string): Promise<void> => {
    const subscription = actor.rooms.get(roomId);
    if (subscription === undefined) return;
    subscription.until = performance.now();
    subscription.unsubscribe();
    actor.rooms.delete(roomId);
    await attempt(actor, `leaveRoom ${roomId}`, () => actor.client.trpc.leaveRoom.mutate({ roomId }));
    actions.leaves++;
  };

  const send = async (actor: Actor, roomId: string, count: number): Promise<void> => {
    const issuedAt = performance.now();
    const clientMessageId = `${actor.username}-${count}`;
    const text = `${actor.username} says ${count}`;
    const message = await attempt(actor, `sendMessage ${roomId}`, () => actor.client.trpc.sendMessage.mutate({ roomId, text, clientMessageId }));
    if (message !== null) sent.push({ id: message.id, roomId, sender: actor.username, issuedAt });
  };

  const closeActor = async (actor: Actor): Promise<void> => {
    const now = performance.now();
    for (const subscription of actor.rooms.values()) {
      subscription.until = now;
      subscription.unsubscribe();
    }
    actor.rooms.clear();
    await actor.client.close();
  };

  const started = performance.now();
  const stopAt = started + options.durationMs;
  const actors: Actor[] = Array.from({ length: clientCount }, (_, index) => newActor(index));

  /** One client's life: a random action after a random pause, until the time is up. */
  const live = async (index: number): Promise<void> => {
    let count = 0;
    await sleep(rand() * interval);
    while (performance.now() < stopAt) {
      const actor = actors[index];
      if (actor === undefined) return;
      const roll = rand();
      const joinedRooms = [...actor.rooms.keys()];
      const someRoom = joinedRooms[Math.floor(rand() * joinedRooms.length)];
      const otherRoom = rooms.filter((roomId) => !actor.rooms.has(roomId))[Math.floor(rand() * (roomCount - joinedRooms.length))];
      if (someRoom === undefined || (roll < 0.08 && joinedRooms.length < 3)) {
        if (otherRoom !== undefined) await join(actor, otherRoom);
      } else if (roll < 0.16) await leave(actor, someRoom);
      else if (roll < 0.2) {
        // A dropped connection: the typed client reconnects, re-joins and resumes by itself. The
        // socket goes while a send is in flight, so the cut-off call and its retry are exercised.
        actions.drops++;
        actor.drops.push(performance.now());
        const socket = actor.connection.socket;
        setTimeout(() => socket?.terminate(), rand() * 5);
        await send(actor, someRoom, count++);
      } else if (roll < 0.21) {
        // A restart: this client is gone (its subscriptions end) and a new person arrives.
        actions.restarts++;
        await closeActor(actor);
        actors[index] = newActor(index);
      } else await send(actor, someRoom, count++);
      // Exponential pauses, cut at the end so the run stops on time.
      await sleep(Math.min(-Math.log(1 - rand()) * interval, Math.max(0, stopAt - performance.now())));
    }
  };
  const hostile = options.hostile ? runHostile({ wsUrl, rooms, actors: options.hostile, stopAt, rand }) : Promise.resolve(null);
  await Promise.all(actors.map((_, index) => live(index)));
  const hostileCounts = await hostile;

  // Liveness only: what is in flight is delivered (waited for up to 30 s), or it is reported missing.
  const delivery = await checkDeliveries(subscriptions, sent);
  violations.push(...delivery.violations);
  const { requiredDeliveries } = delivery;

  // Everyone leaves and disconnects; then the server must hold nothing for them.
  await Promise.all(
    actors.map(async (actor) => {
      for (const roomId of [...actor.rooms.keys()]) await leave(actor, roomId);
      await actor.client.close();
    }),
  );
  const memberCount = async (): Promise<number> => (await Promise.all(rooms.map((roomId) => server.broker.members(roomId)))).reduce((sum, members) => sum + members.length, 0);
  const connections = async (): Promise<number> => ((await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as { connections: number }).connections;
  await settle(async () => server.broker.stats().streams === 0 && (await memberCount()) === 0 && (await connections()) === 0, 10_000);
  const end = { streams: server.broker.stats().streams, members: await memberCount(), connections: await connections() };
  const memoryAfter = memory(gc);
  await server.close();
  await site.remove();
  rmSync(dataDir, { recursive: true, force: true });

  return {
    clients: clientCount,
    rooms: roomCount,
    durationMs: Math.round(performance.now() - started),
    messages: sent.length,
    deliveries: subscriptions.reduce((sum, subscription) => sum + subscription.received.length, 0),
    requiredDeliveries,
    actions,
    unexpectedErrors,
    violations,
    end,
    hostile: hostileCounts,
    memory: { gcAvailable: gc !== null, before: memoryBefore, after: memoryAfter },
  };
}

/** A few lines for people: what ran, what was delivered, what the server held at the end. */
export function summarize(report: SoakReport): string {
  const { actions, end, memory: mem } = report;
  return [
    `soak: ${report.clients} clients, ${report.rooms} rooms, ${(report.durationMs / 1000).toFixed(1)} s`,
    `  ${report.messages} messages acknowledged, ${report.deliveries} deliveries (${report.requiredDeliveries} required exactly once)`,
    `  ${actions.joins} joins, ${actions.leaves} leaves, ${actions.drops} dropped sockets, ${actions.reconnects} reconnects, ${actions.restarts} restarts, ${actions.retries} retried calls`,
    `  ${report.unexpectedErrors.length} unexpected errors, ${report.violations.length} delivery violations`,
    `  at the end: ${end.streams} streams, ${end.members} members, ${end.connections} connections`,
    ...(report.hostile === null ? [] : [`  hostile mix: ${Object.entries(report.hostile).map(([attack, times]) => `${times} ${attack}`).join(", ")}`]),
    `  memory${mem.gcAvailable ? " after gc" : ""}: rss ${mem.before.rssMiB} → ${mem.after.rssMiB} MiB, heap ${mem.before.heapUsedMiB} → ${mem.after.heapUsedMiB} MiB`,
    ...report.unexpectedErrors.slice(0, 10).map((line) => `  error: ${line}`),
    ...report.violations.slice(0, 10).map((line) => `  violation: ${line}`),
  ].join("\n");
}
