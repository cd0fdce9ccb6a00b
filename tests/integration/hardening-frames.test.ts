import type { Socket } from "node:net";
import { FLOOD_CLOSE_CODE, INVALID_PAYLOAD_CLOSE_CODE } from "@chat/client";
import { describe, expect, it } from "vitest";
import { collectMessages, texts, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { isResponseTo, listRoomsFrame, rawSocketsEndedAfterEach, openTappedSocket } from "../fixtures/raw-socket.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

const rawSocket = rawSocketsEndedAfterEach();

/** Two typed clients in one room; resolves once the second one reads the room. */
async function chattingPair(app: TestServer) {
  const roomId = uniqueRoomId("frames");
  const alice = app.client();
  const bob = app.client();
  await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
  const heard = collectMessages(bob, roomId);
  await heard.started;
  return { roomId, alice, heard };
}

/** Resolves once `tcp` has handed `bytes` to the kernel. */
function write(tcp: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => tcp.write(bytes, (error) => (error ? reject(error) : resolve())));
}

describe("malformed frames", () => {
  it("closes a connection that sends invalid UTF-8 in a text frame with 1007, and only that one", async () => {
    const app = await startTestServer();
    const offender = await rawSocket(app.wsUrl);
    const bystander = await rawSocket(app.wsUrl);

    // 0xC3 0x28 is an invalid two-byte sequence; `binary: false` sends it as a text frame.
    offender.socket.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });

    expect(await within(offender.closed, "the offender to be closed")).toBe(INVALID_PAYLOAD_CLOSE_CODE);
    bystander.socket.send(listRoomsFrame(1));
    await waitFor(() => bystander.received.some(isResponseTo(1)), "the other connection to be served");
    expect(bystander.closeCode).toBeNull();
  });

  it("closes a connection that floods one message with fragments with 1008, while others keep chatting", async () => {
    const app = await startTestServer();
    const { roomId, alice, heard } = await chattingPair(app);
    const flooder = await rawSocket(app.wsUrl);

    // 300 one-byte fragments of a message that never ends: each within the size limit, but
    // each one a buffer the server would keep until the last fragment.
    for (let i = 0; i < 300 && flooder.socket.readyState === flooder.socket.OPEN; i++) flooder.socket.send("x", { fin: false });

    expect(await within(flooder.closed, "the flooder to be closed")).toBe(FLOOD_CLOSE_CODE);
    await alice.trpc.sendMessage.mutate({ roomId, text: "still here" });
    await waitFor(() => texts(heard.events).includes("still here"), "the room to keep working");
  });

  it("closes a connection that trickles a frame a byte per TCP segment with 1008, while others keep chatting", async () => {
    const app = await startTestServer();
    const { roomId, alice, heard } = await chattingPair(app);
    const { socket, tcp } = await openTappedSocket(app.wsUrl);
    socket.on("error", () => {});
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    tcp.setNoDelay(true);

    // A masked text frame announcing 60,000 bytes (within the 64 KiB limit), with a zero mask
    // so the payload goes as is, then its payload one byte per write.
    const length = 60_000;
    await write(tcp, Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]));
    // `ws` ends the TCP socket as soon as it reads the server's close frame.
    for (let sent = 0; sent < length && tcp.writable; sent++) {
      await write(tcp, Buffer.from(" "));
      // Let the server read this byte on its own before the next one arrives.
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await within(closed, "the trickler to be closed")).toBe(FLOOD_CLOSE_CODE);
    await alice.trpc.sendMessage.mutate({ roomId, text: "still here" });
    await waitFor(() => texts(heard.events).includes("still here"), "the room to keep working");
  });
});

describe("the typed client's own frames", () => {
  it("sends a burst of long messages made in one tick without tripping the 64 KiB frame limit", async () => {
    const app = await startTestServer();
    const { roomId, alice, heard } = await chattingPair(app);
    // tRPC batches calls made in the same tick into one frame: 40 × 2,000 characters is ~80 KB.
    const burst = Array.from({ length: 40 }, (_, index) => `${index}:`.padEnd(2000, "x"));

    await within(Promise.all(burst.map((text) => alice.trpc.sendMessage.mutate({ roomId, text }))), "every send of the burst");

    expect(alice.status).toBe("online");
    await waitFor(() => texts(heard.events).length === burst.length + 1, "bob to read the whole burst");
    expect(texts(heard.events).slice(1).sort()).toEqual([...burst].sort());
  });
});
