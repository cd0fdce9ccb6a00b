/**
 * Per-connection limits through real sockets: the join budget, rooms and subscriptions per
 * connection, and cutting off a connection that keeps flooding after being told to wait.
 */
import { ManualClock } from "@chat/api";
import { encodeFrame, type WireIncoming, wireRequest } from "@chat/api/wire-kit";
import { type ChatClient, type ConnectionStatus, FLOOD_CLOSE_CODE } from "@chat/client";
import { afterEach, describe, expect, it } from "vitest";
import { type Collected, collectMessages, collectPresence, texts, trpcError, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { isResponseTo, openRawSocket, type RawSocket } from "../fixtures/raw-socket.js";
import { startTestServer } from "../fixtures/test-server.js";

const opened: RawSocket[] = [];
afterEach(() => {
  for (const raw of opened.splice(0)) raw.socket.terminate();
});

/** Joins `count` fresh rooms one after the other as `username`; returns their ids. */
async function joinRooms(client: ChatClient, count: number, username = "alice"): Promise<string[]> {
  const rooms = Array.from({ length: count }, () => uniqueRoomId("limit"));
  for (const roomId of rooms) await client.trpc.joinRoom.mutate({ roomId, username });
  return rooms;
}

/** Opens `count` subscriptions of `roomId`, alternating `onMessage` and `onPresence`. */
function subscribeMany(client: ChatClient, roomId: string, count: number): Collected<unknown>[] {
  return Array.from({ length: count }, (_, index) =>
    index % 2 === 0 ? collectMessages(client, roomId) : collectPresence(client, roomId),
  );
}

describe("join rate per connection", () => {
  it("refuses a join flood with TOO_MANY_REQUESTS and retryAfterMs; refusals cost nothing, a re-join costs a join", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ JOIN_RATE_BURST: "3", JOIN_RATE_PER_SEC: "1" }, { clock });
    const client = app.client();
    const [first] = await joinRooms(client, 3);
    const next = uniqueRoomId("limit");

    const refused = [];
    for (let attempt = 0; attempt < 3; attempt++) refused.push(await trpcError(client.trpc.joinRoom.mutate({ roomId: next, username: "alice" })));
    refused.push(await trpcError(client.trpc.joinRoom.mutate({ roomId: first ?? "", username: "alice" })));
    clock.advance(1000);
    const rejoined = await client.trpc.joinRoom.mutate({ roomId: first ?? "", username: "alice" });
    clock.advance(1000);
    const joined = await client.trpc.joinRoom.mutate({ roomId: next, username: "alice" });

    for (const error of refused) {
      expect(error.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(error.data?.retryAfterMs).toBe(1000);
      expect(error.message).toBe("You are joining rooms too fast; try again in 1.0 s.");
    }
    expect(rejoined.history.map((message) => message.text)).toEqual(["alice joined"]);
    expect(joined.members).toEqual([{ username: "alice" }]);
  });
});

describe("rooms per connection", () => {
  it("refuses a 21st room by default with FORBIDDEN and a sentence saying what to do", async () => {
    // The default join budget (10, then 1 a second) is refilled by hand to reach the default 20 rooms.
    const clock = new ManualClock();
    const app = await startTestServer({}, { clock });
    const client = app.client();
    await joinRooms(client, 10);
    clock.advance(10_000);
    await joinRooms(client, 10);
    clock.advance(10_000);

    const error = await trpcError(client.trpc.joinRoom.mutate({ roomId: uniqueRoomId("limit"), username: "alice" }));

    expect(error.data?.code).toBe("FORBIDDEN");
    expect(error.data?.retryAfterMs).toBeNull();
    expect(error.message).toBe("You are in 20 rooms, the most one connection may be in; leave one first.");
  });

  it("lets a connection at MAX_ROOMS_PER_CONNECTION join again once it leaves a room, and limits each connection alone", async () => {
    const app = await startTestServer({ MAX_ROOMS_PER_CONNECTION: "3", JOIN_RATE_BURST: "100" });
    const alice = app.client();
    const bob = app.client();
    const rooms = await joinRooms(alice, 3);
    const extra = uniqueRoomId("limit");

    const refused = await trpcError(alice.trpc.joinRoom.mutate({ roomId: extra, username: "alice" }));
    const bobJoined = await bob.trpc.joinRoom.mutate({ roomId: extra, username: "bob" });
    await alice.trpc.leaveRoom.mutate({ roomId: rooms[0] ?? "" });
    const aliceJoined = await alice.trpc.joinRoom.mutate({ roomId: extra, username: "alice" });

    expect(refused.data?.code).toBe("FORBIDDEN");
    expect(refused.message).toBe("You are in 3 rooms, the most one connection may be in; leave one first.");
    expect(bobJoined.members).toEqual([{ username: "bob" }]);
    expect(aliceJoined.members).toEqual([{ username: "bob" }, { username: "alice" }]);
  });
});

describe("subscriptions per connection", () => {
  it("refuses an onMessage or onPresence past the limit with TOO_MANY_REQUESTS, and a stopped one frees its slot", async () => {
    const app = await startTestServer({ MAX_SUBSCRIPTIONS_PER_CONNECTION: "4" });
    const client = app.client();
    const roomId = uniqueRoomId("subs");
    const open = subscribeMany(client, roomId, 4);
    await within(Promise.all(open.map((subscription) => subscription.started)), "the first 4 subscriptions to start");

    const refusedMessages = collectMessages(client, roomId);
    const refusedPresence = collectPresence(client, roomId);
    await waitFor(() => refusedMessages.errors.length > 0 && refusedPresence.errors.length > 0, "both refusals");
    open[0]?.stop();
    const replacement = collectMessages(client, roomId);
    await within(replacement.started, "the replacement to start in the freed slot");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await waitFor(() => replacement.events.length > 0, "the replacement's first message");

    for (const refused of [refusedMessages, refusedPresence]) {
      const error = await trpcError(Promise.reject(refused.errors[0]));
      expect(error.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(error.message).toBe("You have 4 subscriptions open, the most one connection may have; stop one first.");
    }
    expect(texts(replacement.events)).toEqual(["alice joined"]);
  });

  it("leaks no slot over 1,000 subscriptions started and stopped: then 100 fit again, and the 101st is refused", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = uniqueRoomId("subs");

    for (let round = 0; round < 10; round++) {
      const batch = subscribeMany(client, roomId, 100);
      await within(Promise.all(batch.map((subscription) => subscription.started)), `round ${round}'s 100 subscriptions to start`);
      for (const subscription of batch) subscription.stop();
    }
    const full = subscribeMany(client, roomId, 100);
    await within(Promise.all(full.map((subscription) => subscription.started)), "100 subscriptions to start after the 1,000");
    const refused = collectPresence(client, roomId);
    await waitFor(() => refused.errors.length > 0, "the 101st subscription's refusal");

    expect(full.every((subscription) => subscription.errors.length === 0)).toBe(true);
    expect((await trpcError(Promise.reject(refused.errors[0]))).data?.code).toBe("TOO_MANY_REQUESTS");
  });
});

describe("flooding after being told", () => {
  /** A raw `joinRoom` request, as the client library would frame it. */
  const joinFrame = (id: number, roomId: string): string => encodeFrame(wireRequest(id, "mutation", "joinRoom", { roomId, username: "mallory" }));

  /** The `data` of the error answering request `id`, once it has arrived. */
  async function answerTo(raw: RawSocket, id: number): Promise<WireIncoming | undefined> {
    await waitFor(() => raw.received.some(isResponseTo(id)), `the answer to request ${id}`);
    return raw.received.find(isResponseTo(id));
  }

  it("closes a connection that calls again before its told wait is over RATE_LIMIT_STRIKES times with 1008, after answering, and spares the others", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ JOIN_RATE_BURST: "1", RATE_LIMIT_STRIKES: "5" }, { clock });
    const statuses: ConnectionStatus[] = [];
    const bystander = app.client({ onStatusChange: (status) => statuses.push(status) });
    const roomId = uniqueRoomId("bystander");
    await bystander.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const messages = collectMessages(bystander, roomId);
    await messages.started;
    const flooder = await openRawSocket(app.wsUrl);
    opened.push(flooder);
    let reason = "";
    flooder.socket.once("close", (_code, data) => {
      reason = String(data);
    });

    flooder.socket.send(joinFrame(1, uniqueRoomId("flood")));
    expect(await answerTo(flooder, 1)).toMatchObject({ result: { type: "data" } });
    // The first refusal tells it to wait; each of the next four comes before that wait is over.
    for (let id = 2; id <= 6; id++) {
      flooder.socket.send(joinFrame(id, uniqueRoomId("flood")));
      expect(await answerTo(flooder, id)).toMatchObject({ error: { data: { code: "TOO_MANY_REQUESTS", retryAfterMs: 1000 } } });
      expect(flooder.closeCode).toBeNull();
    }
    flooder.socket.send(joinFrame(7, uniqueRoomId("flood")));
    const code = await within(flooder.closed, "the flooder to be closed");
    await bystander.trpc.sendMessage.mutate({ roomId, text: "still here" });
    await waitFor(() => texts(messages.events).includes("still here"), "the bystander's own message");

    expect(code).toBe(FLOOD_CLOSE_CODE);
    expect(reason).toBe("rate limit exceeded");
    expect(flooder.received.find(isResponseTo(7))).toMatchObject({ error: { data: { code: "TOO_MANY_REQUESTS" } } });
    expect(statuses).not.toContain("reconnecting");
    expect(bystander.status).toBe("online");
  });
});
