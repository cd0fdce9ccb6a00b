import { CONNECTION_CUT_CLOSE_CODE, SLOW_CONSUMER_CLOSE_CODE } from "@chat/client";
import { describe, expect, it } from "vitest";
import { floodRoom, stalledReader } from "../fixtures/backpressure.js";
import { collectMessages, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { type LoggedServer, startLoggedServer } from "../fixtures/logged-server.js";

/**
 * An upper bound on one message's frame: 2,000 characters of ASCII text plus the envelope (ids,
 * room, name, time, superjson's meta) comes to about 2.3 KB.
 */
const ONE_FRAME_BYTES = 4096;
/**
 * A liveness bound on the flood: the kernel buffers of a loopback connection absorb a few MB
 * (about 2,000 of these messages here) before the server's own buffer starts to grow.
 */
const MAX_FLOOD_MESSAGES = 20_000;

/** The sequence number of a message id (`<epoch>-<seq>`, assigned in publish order). */
function seq(id: string): number {
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

async function connections(app: LoggedServer): Promise<number> {
  const response = await fetch(`${app.url}/healthz`);
  return ((await response.json()) as { connections: number }).connections;
}

describe("slow consumers", () => {
  it("closes a reader whose buffer passes SLOW_CONSUMER_MAX_BYTES with 4008, while an honest reader gets every message in order", async () => {
    const maxBytes = 64 * 1024;
    const app = await startLoggedServer({ SLOW_CONSUMER_MAX_BYTES: String(maxBytes), SLOW_CONSUMER_DRAIN_MS: "60000" });
    const roomId = uniqueRoomId("slow-max");
    const writer = app.client();
    await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
    const honest = collectMessages(app.client(), roomId);
    await honest.started;
    const slow = await stalledReader(app.wsUrl, roomId);

    const sent = await floodRoom(writer, roomId, () => app.events("slow_consumer").length > 0, MAX_FLOOD_MESSAGES);

    const [report] = app.events("slow_consumer");
    expect(report).toMatchObject({ level: "warn", reason: "max_bytes", connectionId: expect.any(String) });
    // The server stopped writing to it once past the limit: its buffer holds at most one more frame.
    expect(report?.bufferedAmount).toBeGreaterThan(maxBytes);
    expect(report?.bufferedAmount).toBeLessThanOrEqual(maxBytes + ONE_FRAME_BYTES);
    // Reading again, the slow reader gets what was buffered, then the close frame.
    slow.tcp.resume();
    expect(await within(slow.wire.closed, "the slow reader to be closed")).toBe(SLOW_CONSUMER_CLOSE_CODE);
    await waitFor(() => app.events("close").some((line) => line.connectionId === report?.connectionId), "the server to log the close");
    expect(app.events("close")).toContainEqual(expect.objectContaining({ connectionId: report?.connectionId, code: SLOW_CONSUMER_CLOSE_CODE }));
    await waitFor(() => honest.events.filter((event) => event.data.kind === "user").length >= sent.length, "the honest reader to get every message");
    const received = honest.events.filter((event) => event.data.kind === "user").map((event) => event.id);
    expect(new Set(received)).toEqual(new Set(sent));
    expect(received.map(seq)).toEqual(received.map(seq).sort((a, b) => a - b));
    expect(honest.errors).toEqual([]);
  });

  it("cuts a reader whose buffer stays non-empty for SLOW_CONSUMER_DRAIN_MS, even though it never reads the close frame", async () => {
    const app = await startLoggedServer({ SLOW_CONSUMER_MAX_BYTES: "1073741824", SLOW_CONSUMER_DRAIN_MS: "200" });
    const roomId = uniqueRoomId("slow-drain");
    const writer = app.client();
    await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
    const slow = await stalledReader(app.wsUrl, roomId);

    await floodRoom(writer, roomId, () => app.events("slow_consumer").length > 0, MAX_FLOOD_MESSAGES);

    const [report] = app.events("slow_consumer");
    expect(report).toMatchObject({ reason: "drain_timeout", connectionId: expect.any(String) });
    // The close frame sits behind data the reader never takes, so the socket is cut: the server
    // forgets it while the reader is still paused.
    await waitFor(() => app.events("close").some((line) => line.connectionId === report?.connectionId), "the server to drop the slow reader");
    await waitFor(async () => (await connections(app)) === 1, "only the writer to be counted");
    slow.tcp.resume();
    expect(await within(slow.wire.closed, "the slow reader to see its socket end")).toBe(CONNECTION_CUT_CLOSE_CODE);
    await writer.trpc.sendMessage.mutate({ roomId, text: "the room goes on" });
  });
});
