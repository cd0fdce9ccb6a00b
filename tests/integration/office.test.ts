/**
 * The other side of the per-address budgets: an office of 200 people behind one NAT address, on
 * the real defaults, chats normally, and comes back whole when all their connections drop at once
 * (a deploy, a network blip), with no refusal on the way.
 */
import { type ChatClient, type ConnectionStatus, createChatClient } from "@chat/client";
import { describe, expect, it, onTestFinished } from "vitest";
import type WebSocket from "ws";
import { webSocketFrom } from "../fixtures/addresses.js";
import { type Collected, collectMessages, sleep, type TrackedMessage, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startServerProcess } from "../fixtures/server-process.js";

/** Everyone in the office shares it, as behind a NAT gateway. */
const OFFICE = "127.0.0.7";
const PEOPLE = 200;

/** One person: their client, its current socket, and what they read in their first room. */
interface Person {
  client: ChatClient;
  socket: { current: WebSocket | null };
  statuses: ConnectionStatus[];
  heard: Collected<TrackedMessage>;
  rooms: string[];
}

describe("an office behind one address", () => {
  it("lets 200 people behind one address join, chat and all reconnect at once on the default budgets, refusing nothing", { timeout: 120_000 }, async () => {
    const server = await startServerProcess();
    const rooms = Array.from({ length: 10 }, () => uniqueRoomId("office"));
    const Base = webSocketFrom(OFFICE);
    const people: Person[] = await Promise.all(
      Array.from({ length: PEOPLE }, async (_, index): Promise<Person> => {
        const socket: Person["socket"] = { current: null };
        class Tracked extends Base {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols);
            socket.current = this;
          }
        }
        const statuses: ConnectionStatus[] = [];
        const client = createChatClient({ url: server.wsUrl, WebSocket: Tracked, onStatusChange: (status) => statuses.push(status) });
        onTestFinished(() => client.close());
        const mine = [rooms[index % 10] ?? "", rooms[(index + 3) % 10] ?? ""];
        for (const roomId of mine) await client.trpc.joinRoom.mutate({ roomId, username: `person${index}` });
        const heard = collectMessages(client, mine[0] ?? "");
        await heard.started;
        return { client, socket, statuses, heard, rooms: mine };
      }),
    );

    // A working day in fast motion: each person says something twice, at random, over 15 s.
    const say = (round: string): Promise<string[]> =>
      Promise.all(
        people.map(async (person, index) => {
          await sleep(Math.random() * 15_000);
          const roomId = person.rooms[0] ?? "";
          return (await person.client.trpc.sendMessage.mutate({ roomId, text: `${round} from ${index}` })).id;
        }),
      );
    const morning = (await Promise.all([say("first"), say("second")])).flat();

    // Every connection drops at once; every client reconnects, re-joins and resumes by itself.
    for (const person of people) person.socket.current?.terminate();
    await waitFor(() => people.every((person) => person.statuses.at(-1) === "online" && person.statuses.includes("reconnecting")), "everyone to be back online", 60_000);
    const afternoon = await say("after");

    // Twenty people of each room said three things there: everyone hears those 60, once each.
    const sent = new Set([...morning, ...afternoon]);
    const heardOf = (person: Person): string[] => person.heard.events.filter((event) => sent.has(event.id)).map((event) => event.id);
    for (const person of people) {
      await waitFor(() => heardOf(person).length >= 60, "each person to hear their room", 30_000);
      expect(new Set(heardOf(person)).size).toBe(60);
      expect(heardOf(person)).toHaveLength(60);
      expect(person.heard.errors).toEqual([]);
    }
    const log = server.process.stdout;
    expect(log).not.toMatch(/"event":"(rate_limited|connection_refused|http_refused)"/);
    expect(await server.health()).toBe(200);
  });
});
