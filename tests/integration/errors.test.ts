import { ManualClock } from "@chat/api";
import { describe, expect, it } from "vitest";
import { collectMessages, collectPresence, trpcError, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

/** A message meant for people: one sentence, not zod's JSON dump. */
function expectHumanMessage(message: string, topic: RegExp): void {
  expect(message).toMatch(topic);
  expect(message.trim().startsWith("[") || message.trim().startsWith("{")).toBe(false);
}

describe("invalid input is refused with BAD_REQUEST and a human message", () => {
  const badRoomIds: [string, string][] = [
    ["33 characters", "r".repeat(33)],
    ["a space", "general chat"],
    ["nothing", ""],
    ["a dot", "room.one"],
    ["a non-ASCII letter", "café"],
  ];
  it.each(badRoomIds)("refuses a room id with %s", async (_, roomId) => {
    const app = await startTestServer();
    const client = app.client();

    const error = await trpcError(client.trpc.joinRoom.mutate({ roomId, username: "alice" }));

    expect(error.data?.code).toBe("BAD_REQUEST");
    expectHumanMessage(error.message, /room/i);
  });

  const badUsernames: [string, string][] = [
    ["empty", ""],
    ["only whitespace", "   \t  "],
    ["33 characters", "a".repeat(33)],
    ["a NUL (C0)", "ali\u0000ce"],
    ["a unit separator (C0)", "ali\u001fce"],
    ["a newline inside (C0)", "ali\nce"],
    ["a DEL", "ali\u007fce"],
    ["a next-line (C1)", "ali\u0085ce"],
    ["an application program command (C1)", "ali\u009fce"],
  ];
  it.each(badUsernames)("refuses a username that is %s", async (_, username) => {
    const app = await startTestServer();
    const client = app.client();

    const error = await trpcError(client.trpc.joinRoom.mutate({ roomId: uniqueRoomId("name"), username }));

    expect(error.data?.code).toBe("BAD_REQUEST");
    expectHumanMessage(error.message, /username/i);
  });

  it("accepts a username of 32 characters after trimming, and stores it trimmed", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = uniqueRoomId("name");
    const name = "a".repeat(32);

    const joined = await client.trpc.joinRoom.mutate({ roomId, username: `  ${name}  ` });

    expect(joined.username).toBe(name);
    expect(joined.members).toEqual([{ username: name }]);
  });

  it("refuses a message text that is empty after trimming", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = uniqueRoomId("text");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });

    const error = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "  \n\t  " }));

    expect(error.data?.code).toBe("BAD_REQUEST");
    expectHumanMessage(error.message, /message/i);
  });

  it("refuses a message text of 2,001 characters and accepts one of 2,000", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = uniqueRoomId("text");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });

    const error = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "x".repeat(2001) }));
    const sent = await client.trpc.sendMessage.mutate({ roomId, text: "x".repeat(2000) });

    expect(error.data?.code).toBe("BAD_REQUEST");
    expectHumanMessage(error.message, /message/i);
    expect(sent.text).toHaveLength(2000);
  });

  it("refuses an invalid room id in every procedure, subscriptions included", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = "not a room";

    const send = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "hi" }));
    const leave = await trpcError(client.trpc.leaveRoom.mutate({ roomId }));
    const messages = collectMessages(client, roomId);
    const presence = collectPresence(client, roomId);
    await waitFor(() => messages.errors.length > 0 && presence.errors.length > 0, "both subscriptions to fail");

    expect(send.data?.code).toBe("BAD_REQUEST");
    expect(leave.data?.code).toBe("BAD_REQUEST");
    expect(messages.errors[0]).toMatchObject({ data: { code: "BAD_REQUEST" } });
    expect(presence.errors[0]).toMatchObject({ data: { code: "BAD_REQUEST" } });
  });
});

describe("sending to a room one is not in is FORBIDDEN", () => {
  it("refuses sendMessage before joinRoom", async () => {
    const app = await startTestServer();
    const client = app.client();

    const error = await trpcError(client.trpc.sendMessage.mutate({ roomId: uniqueRoomId("forbid"), text: "hi" }));

    expect(error.data?.code).toBe("FORBIDDEN");
  });

  it("refuses sendMessage after leaveRoom", async () => {
    const app = await startTestServer();
    const client = app.client();
    const roomId = uniqueRoomId("forbid");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await client.trpc.sendMessage.mutate({ roomId, text: "still here" });
    await client.trpc.leaveRoom.mutate({ roomId });

    const error = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "gone" }));

    expect(error.data?.code).toBe("FORBIDDEN");
  });

  it("refuses sendMessage from a connection whose name joined only on another connection", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("forbid");
    await app.client().trpc.joinRoom.mutate({ roomId, username: "alice" });

    const error = await trpcError(app.client().trpc.sendMessage.mutate({ roomId, text: "I am alice too" }));

    expect(error.data?.code).toBe("FORBIDDEN");
  });
});

describe("flooding is refused with TOO_MANY_REQUESTS", () => {
  it("allows a burst of SEND_RATE_BURST, refuses the next, and refused calls use no tokens", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ SEND_RATE_BURST: "3", SEND_RATE_PER_SEC: "1" }, { clock });
    const client = app.client();
    const roomId = uniqueRoomId("flood");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });

    for (let index = 1; index <= 3; index++) await client.trpc.sendMessage.mutate({ roomId, text: `burst ${index}` });
    const refused = [];
    for (let index = 0; index < 5; index++) refused.push(await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "too fast" })));
    // One second refills one token; had the five refusals taken tokens, the bucket would be in debt.
    clock.advance(1000);
    const afterWait = await client.trpc.sendMessage.mutate({ roomId, text: "after a second" });
    const again = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "too fast again" }));

    for (const error of refused) {
      expect(error.data?.code).toBe("TOO_MANY_REQUESTS");
      expectHumanMessage(error.message, /too fast/i);
    }
    expect(afterWait.text).toBe("after a second");
    expect(again.data?.code).toBe("TOO_MANY_REQUESTS");
    const { history } = await client.trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(history.map((message) => message.text)).toEqual(["alice joined", "burst 1", "burst 2", "burst 3", "after a second"]);
  });

  it("uses the default budget of a burst of 20, refilled at 5 per second", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ SEND_RATE_BURST: "", SEND_RATE_PER_SEC: "" }, { clock });
    const client = app.client();
    const roomId = uniqueRoomId("flood");
    await client.trpc.joinRoom.mutate({ roomId, username: "alice" });

    for (let index = 1; index <= 20; index++) await client.trpc.sendMessage.mutate({ roomId, text: `burst ${index}` });
    const refused = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "21st" }));
    clock.advance(200);
    const refilled = await client.trpc.sendMessage.mutate({ roomId, text: "after 200 ms" });
    const againRefused = await trpcError(client.trpc.sendMessage.mutate({ roomId, text: "too fast again" }));

    expect(refused.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(refilled.text).toBe("after 200 ms");
    expect(againRefused.data?.code).toBe("TOO_MANY_REQUESTS");
  });

  it("keeps one budget per connection", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ SEND_RATE_BURST: "2", SEND_RATE_PER_SEC: "1" }, { clock });
    const roomId = uniqueRoomId("flood");
    const [flooder, neighbour] = [app.client(), app.client()];
    await flooder.trpc.joinRoom.mutate({ roomId, username: "flooder" });
    await neighbour.trpc.joinRoom.mutate({ roomId, username: "neighbour" });

    await flooder.trpc.sendMessage.mutate({ roomId, text: "1" });
    await flooder.trpc.sendMessage.mutate({ roomId, text: "2" });
    const refused = await trpcError(flooder.trpc.sendMessage.mutate({ roomId, text: "3" }));
    const served = await neighbour.trpc.sendMessage.mutate({ roomId, text: "unaffected" });

    expect(refused.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(served.username).toBe("neighbour");
  });
});
