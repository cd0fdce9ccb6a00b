/**
 * The soak's hostile mix: raw sockets from addresses of their own that, over and over until the
 * run ends, try what issue 12's attacks tried: replays asked for and never read, re-join floods,
 * batches of `listRooms`, huge request ids, join/leave churn and typing floods. The soak's checks
 * do not change: every honest client still gets every acknowledged message exactly once, and the
 * server holds nothing afterwards.
 */
import { encodeFrame, wireRequest as request } from "@chat/api/wire-kit";
import type { TRPCRequestMessage } from "@trpc/server/rpc";
import WebSocket from "ws";
import { sleep } from "./soak-util.js";

/** How many times each attack ran. */
export type HostileCounts = Record<(typeof ATTACKS)[number], number>;

const ATTACKS = ["replay", "rejoin", "listRooms", "longIds", "churn", "typing"] as const;

/** What the hostile mix is run with. */
export interface HostileOptions {
  wsUrl: string;
  rooms: readonly string[];
  /** Hostile actors, each from its own loopback address. */
  actors: number;
  stopAt: number;
  rand: () => number;
}

/** Runs the hostile actors until `stopAt`; resolves with what they did once every socket of theirs is closed. */
export async function runHostile(options: HostileOptions): Promise<HostileCounts> {
  const counts = Object.fromEntries(ATTACKS.map((attack) => [attack, 0])) as HostileCounts;
  await Promise.all(
    Array.from({ length: options.actors }, async (_, index) => {
      const address = `127.0.66.${index + 1}`;
      // In turn, each actor starting elsewhere, so that a short run tries every attack.
      for (let round = index; performance.now() < options.stopAt; round++) {
        const attack = ATTACKS[round % ATTACKS.length] ?? "replay";
        const roomId = options.rooms[Math.floor(options.rand() * options.rooms.length)] ?? "general";
        counts[attack]++;
        await run(attack, options.wsUrl, address, roomId, `x${index}`).catch(() => undefined);
        await sleep(200 + options.rand() * 800);
      }
    }),
  );
  return counts;
}

async function run(attack: (typeof ATTACKS)[number], wsUrl: string, address: string, roomId: string, name: string): Promise<void> {
  const socket = await open(wsUrl, address);
  try {
    const send = (requests: TRPCRequestMessage[]): void => socket.send(encodeFrame(requests));
    switch (attack) {
      case "replay":
        // A hundred replays asked for, then never read.
        for (let frame = 0; frame < 5; frame++) send(batch(20, (id) => request(frame * 20 + id, "subscription", "onMessage", { roomId, lastEventId: "garbage" })));
        socket.pause();
        await sleep(2000);
        break;
      case "rejoin":
        for (let frame = 0; frame < 20; frame++) {
          send(batch(20, (id) => request(frame * 20 + id, "mutation", "joinRoom", { roomId, username: name })));
          await sleep(10);
        }
        break;
      case "listRooms":
        for (let frame = 0; frame < 5; frame++) send(batch(500, (id) => request(frame * 500 + id, "query", "listRooms")));
        break;
      case "longIds":
        for (let n = 0; n < 20; n++) socket.send(encodeFrame(request(`${n}${"i".repeat(60_000)}`, "subscription", "onMessage", { roomId })));
        break;
      case "churn":
        send([request(1, "mutation", "joinRoom", { roomId, username: name })]);
        await sleep(50);
        break;
      case "typing":
        send([request(1, "mutation", "joinRoom", { roomId, username: name })]);
        await sleep(50);
        for (let frame = 0; frame < 10; frame++) send(batch(20, (id) => request(100 + frame * 20 + id, "mutation", "sendTyping", { roomId })));
        break;
    }
    await sleep(100);
  } finally {
    socket.terminate();
  }
}

function open(wsUrl: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, { localAddress });
    socket.on("error", () => undefined);
    socket.once("open", () => resolve(socket));
    socket.once("close", () => reject(new Error("closed before it opened")));
  });
}

function batch(count: number, make: (id: number) => TRPCRequestMessage): TRPCRequestMessage[] {
  return Array.from({ length: count }, (_, index) => make(index + 1));
}
