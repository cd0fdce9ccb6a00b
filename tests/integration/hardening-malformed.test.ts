/**
 * Malformed traffic on a real socket: each kind gets an error answer or a close of that socket
 * only — never a crash, and never an effect on the people chatting beside it.
 */
import { encodeFrame, outcomeOf, type WireIncoming, type WireMethod, wireRequest } from "@chat/api/wire-kit";
import { describe, expect, it } from "vitest";
import { collectMessages, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { attemptUpgrade, isResponseTo, listRoomsFrame, rawSocketsEndedAfterEach } from "../fixtures/raw-socket.js";
import { startTestServer } from "../fixtures/test-server.js";

const rawSocket = rawSocketsEndedAfterEach();

/** A tRPC request frame as a client would send it. */
const request = (id: number, method: WireMethod, path: string, input: unknown): string => encodeFrame(wireRequest(id, method, path, input));

/** The tRPC error code of an answer, `"data"` for a result, `undefined` when there is none. */
const codeOf = (answer: WireIncoming | undefined): string | undefined => (answer === undefined ? undefined : outcomeOf(answer));

describe("malformed traffic", () => {
  it("answers unknown procedures, wrong methods and wrong input types with errors, and the socket stays usable", async () => {
    const app = await startTestServer();
    const raw = await rawSocket(app.wsUrl);

    raw.socket.send(request(1, "query", "noSuchProcedure", {}));
    raw.socket.send(request(2, "query", "joinRoom", { roomId: "a", username: "x" }));
    raw.socket.send(request(3, "mutation", "joinRoom", { roomId: 123, username: ["x"] }));
    raw.socket.send(request(4, "subscription", "onMessage", { roomId: "a", lastEventId: "x".repeat(10_000) }));
    raw.socket.send(request(5, "mutation", "sendMessage", null));

    await waitFor(() => [1, 2, 3, 4, 5].every((id) => raw.received.some(isResponseTo(id))), "an answer to every bad request");
    const codes = [1, 2, 3, 4, 5].map((id) => codeOf(raw.received.find(isResponseTo(id))));
    // A query aimed at a mutation finds no query of that name: NOT_FOUND, as tRPC says.
    expect(codes).toEqual(["NOT_FOUND", "NOT_FOUND", "BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"]);

    raw.socket.send(listRoomsFrame(6));
    await waitFor(() => raw.received.some(isResponseTo(6)), "a good request after the bad ones");
    expect(raw.received.find(isResponseTo(6))).toMatchObject({ id: 6, result: { type: "data" } });
    expect(raw.closeCode).toBeNull();
  });

  it("survives garbage bytes, invalid JSON, JSON that is no tRPC message and binary frames, while others chat on", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("malformed");
    const alice = app.client();
    const bob = app.client();
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const heard = collectMessages(bob, roomId);
    await heard.started;
    const raws = await Promise.all(Array.from({ length: 6 }, () => rawSocket(app.wsUrl)));
    const junk: (string | Buffer)[] = [
      "\u0000\u0001garbage\uFFFF",
      "{not json",
      JSON.stringify({ hello: "world" }),
      JSON.stringify([1, "two", null]),
      JSON.stringify({ id: { nested: true }, method: 42, params: "x" }),
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]),
    ];

    junk.forEach((frame, index) => raws[index]?.socket.send(frame));
    await alice.trpc.sendMessage.mutate({ roomId, text: "still here" });

    await waitFor(() => texts(heard.events).includes("still here"), "bob to hear alice through the junk");
    // Each junk socket got an answer or a close of its own; none took the server down.
    await waitFor(() => raws.every((raw) => raw.received.length > 0 || raw.closeCode !== null), "every junk socket to be answered or closed");
    expect(heard.errors).toEqual([]);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(alice.status).toBe("online");
  });

  it("never negotiates per-message compression, even when a client offers it", async () => {
    const app = await startTestServer();

    const offering = await attemptUpgrade(app.wsUrl, { perMessageDeflate: true });

    expect(offering.opened).toBe(true);
    if (!offering.opened) return;
    expect(offering.socket.extensions).toBe("");
    offering.socket.terminate();
  });
});
