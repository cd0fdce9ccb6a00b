/**
 * Identity and private rooms through the real client and server (issue 15), in each store: who
 * may use which name, however spelled, and who may read and join a private room. Every client
 * made without an `identity` is a person of its own; two clients with one `identity` are one
 * person (two tabs of a browser).
 */
import { newIdentitySecret } from "@chat/client";
import { redisServerPath } from "@chat/redis-broker/testing";
import { WireError } from "@chat/api/wire-kit";
import { isTRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { collectMessages, collectPresence, texts, trpcError, uniqueName, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { tempDataDir } from "../fixtures/data-dir.js";
import { openWireClient } from "../fixtures/raw-socket.js";
import { useStoreModes } from "../fixtures/store-modes.js";
import { startTestServer } from "../fixtures/test-server.js";

const { modes, startRedisNode } = useStoreModes("identity");

/** The tRPC code and sentence of a subscription's refusal. */
function refusalOf(errors: readonly unknown[]): [string | undefined, string] | null {
  const [error] = errors;
  if (error === undefined) return null;
  if (!isTRPCClientError(error)) throw error;
  return [(error.data as { code?: string } | undefined)?.code, error.message];
}

describe.each(modes)("identity with the $name store", ({ start }) => {
  it("refuses a name another person holds in every spelling, and lets the holder's second tab use it", async () => {
    const app = await start();
    const roomId = uniqueRoomId("names");
    const identity = newIdentitySecret();
    const alice = app.client({ identity });
    const name = uniqueName("Alice");
    const tail = name.slice("Alice".length);
    await alice.trpc.joinRoom.mutate({ roomId, username: name });

    const mallory = app.client();
    for (const spelling of [name, `alice${tail}`, `\u0430lice${tail}`, `ALİCE${tail.toUpperCase()}`]) {
      const error = await trpcError(mallory.trpc.joinRoom.mutate({ roomId: uniqueRoomId("elsewhere"), username: spelling }));
      expect(error.data?.code).toBe("CONFLICT");
      expect(error.message).toBe(`The name ${spelling} is taken; pick another.`);
    }

    const secondTab = app.client({ identity });
    const joined = await secondTab.trpc.joinRoom.mutate({ roomId, username: name });
    expect(joined.members).toEqual([{ username: name }]);
    const sent = await secondTab.trpc.sendMessage.mutate({ roomId, text: "from my other tab" });
    expect(sent.username).toBe(name);
  });

  it("lets a connection without an identity hold a free name until it closes, and never take a held one", async () => {
    const app = await start();
    const roomId = uniqueRoomId("anon");
    const [alice, carol] = [uniqueName("alice"), uniqueName("carol")];
    await app.client({ identity: newIdentitySecret() }).trpc.joinRoom.mutate({ roomId, username: alice });

    // No connectionParams at all, and a malformed identity: both are the connection alone.
    const bare = await openWireClient(app.wsUrl);
    const refused: unknown = await bare.mutate("joinRoom", { roomId, username: alice.toUpperCase() }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("CONFLICT");
    await bare.mutate("joinRoom", { roomId, username: carol });
    const malformed = app.client({ identity: "too-short" });
    expect((await trpcError(malformed.trpc.joinRoom.mutate({ roomId, username: carol.toUpperCase() }))).data?.code).toBe("CONFLICT");

    bare.socket.close();
    await waitFor(
      () => malformed.trpc.joinRoom.mutate({ roomId, username: carol }).then(() => true, () => false),
      "carol to be free once her connection's leave grace is over",
    );
  });

  it("keeps a private room from strangers until they bring an invite, then lets them back in without one", async () => {
    const app = await start();
    const roomId = uniqueRoomId("private");
    const owner = app.client();
    const created = await owner.trpc.joinRoom.mutate({ roomId, username: uniqueName("owner"), private: true });
    expect(created.private).toBe(true);
    await owner.trpc.sendMessage.mutate({ roomId, text: "for members only" });

    const identity = newIdentitySecret();
    const stranger = app.client({ identity });
    const strangerName = uniqueName("stranger");
    const closed = "This room is private; ask a member for an invite link.";
    for (const call of [
      () => stranger.trpc.joinRoom.mutate({ roomId, username: strangerName }),
      () => stranger.trpc.history.query({ roomId }),
      () => stranger.trpc.search.query({ roomId, query: "members" }),
    ]) {
      const error = await trpcError(call());
      expect([error.data?.code, error.message]).toEqual(["FORBIDDEN", closed]);
    }
    const streams = [collectMessages(stranger, roomId), collectPresence(stranger, roomId)];
    for (const stream of streams) {
      await waitFor(() => stream.errors.length > 0, "the stream to be refused");
      expect(refusalOf(stream.errors)).toEqual(["FORBIDDEN", closed]);
      expect(stream.events).toEqual([]);
    }
    await waitFor(async () => (await owner.trpc.listRooms.query({})).rooms.some((room) => room.roomId === roomId), "the room to be listed");
    expect((await stranger.trpc.listRooms.query({})).rooms.map((room) => room.roomId)).not.toContain(roomId);

    const { invite } = await owner.trpc.createInvite.mutate({ roomId });
    const joined = await stranger.trpc.joinRoom.mutate({ roomId, username: strangerName, invite });
    expect(joined.private).toBe(true);
    expect(joined.history.map((message) => message.text)).toContain("for members only");
    expect((await stranger.trpc.listRooms.query({})).rooms.map((room) => room.roomId)).toContain(roomId);
    await stranger.close();

    // Another connection of the same person, with no invite: a member now.
    const back = app.client({ identity });
    await back.trpc.joinRoom.mutate({ roomId, username: strangerName });
    const reader = collectMessages(back, roomId);
    await waitFor(() => texts(reader.events).includes("for members only"), "the member to read the room");

    await owner.trpc.revokeInvites.mutate({ roomId });
    const late = await trpcError(app.client().trpc.joinRoom.mutate({ roomId, username: uniqueName("late"), invite }));
    expect([late.data?.code, late.message]).toEqual(["FORBIDDEN", "This invite link has expired or was revoked; ask a member for a new one."]);
  });

  it("refuses to make a room private once it exists, and invites to a room anyone may join", async () => {
    const app = await start();
    const roomId = uniqueRoomId("open");
    const alice = app.client();
    await alice.trpc.joinRoom.mutate({ roomId, username: uniqueName("alice") });
    const exists = await trpcError(app.client().trpc.joinRoom.mutate({ roomId, username: uniqueName("bob"), private: true }));
    expect(exists.data?.code).toBe("CONFLICT");
    const notPrivate = await trpcError(alice.trpc.createInvite.mutate({ roomId }));
    expect(notPrivate.data?.code).toBe("BAD_REQUEST");
  });

});

describe.skipIf(redisServerPath === null)("identity across Redis nodes", () => {
  it("holds names and private rooms across nodes", async () => {
    const [a, b] = await Promise.all([startRedisNode(), startRedisNode()]);
    const roomId = uniqueRoomId("nodes");
    const dana = uniqueName("dana");
    await a.client().trpc.joinRoom.mutate({ roomId, username: dana, private: true });
    const onB = b.client();
    expect((await trpcError(onB.trpc.joinRoom.mutate({ roomId: uniqueRoomId("b"), username: dana.toUpperCase() }))).data?.code).toBe("CONFLICT");
    expect((await trpcError(onB.trpc.joinRoom.mutate({ roomId, username: uniqueName("erin") }))).data?.code).toBe("FORBIDDEN");
  });
});

describe("identity with the SQLite store, across a restart", () => {
  it("still holds a name and a private room after the server restarts", async () => {
    const dataDir = tempDataDir();
    const roomId = uniqueRoomId("restart");
    const identity = newIdentitySecret();
    const first = await startTestServer({ DATA_DIR: dataDir });
    await first.client({ identity }).trpc.joinRoom.mutate({ roomId, username: "alice", private: true });
    await first.close();

    const second = await startTestServer({ DATA_DIR: dataDir });
    const mallory = second.client();
    expect((await trpcError(mallory.trpc.joinRoom.mutate({ roomId: uniqueRoomId("x"), username: "Alice" }))).data?.code).toBe("CONFLICT");
    expect((await trpcError(mallory.trpc.history.query({ roomId }))).data?.code).toBe("FORBIDDEN");
    const alice = await second.client({ identity }).trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(alice.private).toBe(true);
  });
});
