/**
 * Small requests that used to cost the server a great deal (issue 12, attacks A to D), each run
 * against the real server process with an honest person chatting beside it. The bound asserted is
 * memory, delivery and life, never time.
 */
import { wireRequest } from "@chat/api/wire-kit";
import { FLOOD_CLOSE_CODE } from "@chat/client";
import type { TRPCRequestMessage } from "@trpc/server/rpc";
import { describe, expect, it } from "vitest";
import { clientFrom } from "../fixtures/addresses.js";
import { measureAttack, rawFrom } from "../fixtures/attack-harness.js";
import { sleep, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startServerProcess } from "../fixtures/server-process.js";

/** A message of 2,000 emoji: 8 KB of UTF-8, the longest text there is in bytes. */
const LONG_TEXT = "😀".repeat(2000);
/**
 * Memory the server may grow by under any of these attacks, at its peak, garbage not yet collected
 * included; the replay attack asks for 480 MB of frames (it grew the server by 717 MB before).
 */
const RSS_BUDGET = 128 * 1024 * 1024;

/** Fills `roomId` with `count` long messages, from an address of its own, 20 per frame. */
async function fill(wsUrl: string, roomId: string, count: number): Promise<void> {
  const writer = clientFrom(wsUrl, "127.0.0.2");
  await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
  for (let sent = 0; sent < count; sent += 20) {
    await Promise.all(Array.from({ length: Math.min(20, count - sent) }, () => writer.trpc.sendMessage.mutate({ roomId, text: LONG_TEXT })));
  }
  await writer.close();
}

/** The writer fills rooms faster than any one person may: its own budgets are raised. */
const FILLER_BUDGETS = { SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000", ADDRESS_SEND_RATE_BURST: "100000", ADDRESS_SEND_RATE_PER_SEC: "100000" };
/** Starting subscriptions: the default burst, refilled so slowly that a loaded machine's pace cannot change the count. */
const SUBSCRIBE_BUDGET = { SUBSCRIBE_RATE_BURST: "60", SUBSCRIBE_RATE_PER_SEC: "0.001" };

describe("replay amplification (attack A)", () => {
  it("keeps memory within budget when six connections each ask 100 replays of a room of 1,000 messages of 8 KB, then stop reading", async () => {
    const server = await startServerProcess({ ...FILLER_BUDGETS, ...SUBSCRIBE_BUDGET });
    const roomId = uniqueRoomId("replayed");
    await fill(server.wsUrl, roomId, 1000);

    const outcome = await measureAttack(server, async () => {
      const peers = await Promise.all(Array.from({ length: 6 }, () => rawFrom(server.wsUrl, "127.0.0.3")));
      for (const peer of peers) {
        // Five frames of 20: the server runs at most 20 requests of a frame.
        for (let frame = 0; frame < 5; frame++) {
          const requests = Array.from({ length: 20 }, (_, index) => wireRequest(frame * 20 + index + 1, "subscription", "onMessage", { roomId, lastEventId: "garbage" }));
          peer.send(requests);
        }
      }
      // They stop reading once the server has answered every request (a replay's events follow).
      await waitFor(() => peers.every((peer) => peer.answers.size >= 100), "the server to answer every request", 30_000);
      for (const peer of peers) peer.socket.pause();
      await sleep(3000);
      return peers;
    });

    // Each asked for 100 × 101 events of 8 KB (80 MB); what they were sent waits as references.
    expect(outcome.rssGrowth).toBeLessThan(RSS_BUDGET);
    expect(outcome.honestReceived).toBe(outcome.honestSent);
    expect(outcome.health).toBe(200);
    // Starting subscriptions costs: past the per-connection burst of 60, the rest were refused.
    const codes = outcome.result[0]?.outcomesOf(Array.from({ length: 100 }, (_, index) => index + 1)) ?? [];
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(40);
  });

  it("replays at most 100 messages to a resuming reader, after a gap notice when it missed more", async () => {
    const server = await startServerProcess(FILLER_BUDGETS);
    const roomId = uniqueRoomId("resumed");
    await fill(server.wsUrl, roomId, 150);
    const reader = clientFrom(server.wsUrl, "127.0.0.4");
    const events: { id: string; kind: string }[] = [];
    reader.trpc.onMessage.subscribe({ roomId, lastEventId: "garbage" }, { onData: (event) => events.push({ id: event.id, kind: event.data.kind }) });
    await waitFor(() => events.length >= 101, "the replay");
    await sleep(200);
    expect(events).toHaveLength(101);
    expect(events[0]?.kind).toBe("gap");
  });
});

describe("re-joins (attack B)", () => {
  it("charges each re-join a join: a connection that keeps re-joining a room of long messages is refused, then cut off, and memory stays within budget", async () => {
    const server = await startServerProcess(FILLER_BUDGETS);
    const roomId = uniqueRoomId("rejoined");
    await fill(server.wsUrl, roomId, 50);

    const outcome = await measureAttack(server, async () => {
      const peer = await rawFrom(server.wsUrl, "127.0.0.3");
      let id = 0;
      while (peer.closeCode === null && id < 20 * 200) {
        peer.send(Array.from({ length: 20 }, () => wireRequest(++id, "mutation", "joinRoom", { roomId, username: "mallory" })));
        await sleep(10);
      }
      await peer.closed;
      return peer;
    });

    expect(outcome.result.closeCode).toBe(FLOOD_CLOSE_CODE);
    const codes = outcome.result.outcomesOf(Array.from({ length: 20 }, (_, index) => index + 1));
    // The first frame: the join and nine re-joins took the burst of 10; the rest were refused.
    expect(codes.filter((code) => code === "data")).toHaveLength(10);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(10);
    expect(outcome.rssGrowth).toBeLessThan(RSS_BUDGET);
    expect(outcome.honestReceived).toBe(outcome.honestSent);
    expect(outcome.health).toBe(200);
  });
});

describe("listRooms (attack C)", () => {
  it("runs 20 calls of a frame of 900, answers the rest TOO_MANY_REQUESTS, keeps the connection, and cuts it off when it does not wait", async () => {
    const server = await startServerProcess();
    const outcome = await measureAttack(server, async () => {
      const peer = await rawFrom(server.wsUrl, "127.0.0.3");
      // As many calls as fit in one frame of 64 KB.
      const frame = (from: number): TRPCRequestMessage[] => Array.from({ length: 900 }, (_, index) => wireRequest(from + index, "query", "listRooms"));
      peer.send(frame(1));
      await waitFor(() => peer.answers.size >= 900, "every call of the first frame to be answered");
      const first = peer.outcomesOf(Array.from({ length: 900 }, (_, index) => index + 1));
      const openAfterFirst = peer.closeCode === null;
      peer.send(frame(1001));
      await peer.closed;
      return { first, openAfterFirst, closeCode: peer.closeCode };
    });

    expect(outcome.result.first.slice(0, 20).every((code) => code === "data")).toBe(true);
    expect(outcome.result.first.slice(20).every((code) => code === "TOO_MANY_REQUESTS")).toBe(true);
    expect(outcome.result.openAfterFirst).toBe(true);
    expect(outcome.result.closeCode).toBe(FLOOD_CLOSE_CODE);
    expect(outcome.rssGrowth).toBeLessThan(RSS_BUDGET);
    expect(outcome.honestReceived).toBe(outcome.honestSent);
    expect(outcome.health).toBe(200);
  });
});

describe("request ids (attack D)", () => {
  it("refuses a request id of 60 KB without keeping it, and frames every event of an honest subscription with its short id", async () => {
    const server = await startServerProcess();
    const outcome = await measureAttack(server, async () => {
      const peer = await rawFrom(server.wsUrl, "127.0.0.3");
      for (let n = 0; n < 50; n++) peer.send(wireRequest(`${n}${"i".repeat(60_000)}`, "subscription", "onMessage", { roomId: "general" }));
      await waitFor(() => (peer.answers.get(null)?.length ?? 0) >= 50, "every long id to be refused");
      return peer;
    });

    const refusals = outcome.result.answers.get(null) ?? [];
    expect(refusals).toHaveLength(50);
    expect(refusals[0]).toMatchObject({ error: { message: "Request ids are numbers or strings of at most 64 characters.", data: { code: "PARSE_ERROR" } } });
    expect(JSON.stringify(refusals).length).toBeLessThan(50 * 1000);
    expect(outcome.rssGrowth).toBeLessThan(RSS_BUDGET);
    expect(outcome.honestReceived).toBe(outcome.honestSent);
    expect(outcome.health).toBe(200);
  });
});
