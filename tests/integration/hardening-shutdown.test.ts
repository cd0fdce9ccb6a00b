import { type WireClient, wireClient } from "@chat/api/wire-kit";
import { SHUTDOWN_CLOSE_CODE } from "@chat/client";
import { describe, expect, it, onTestFinished } from "vitest";
import { floodRoom, stalledReader } from "../fixtures/backpressure.js";
import { spawnNode } from "../fixtures/child-process.js";
import { tempDataDir } from "../fixtures/data-dir.js";
import { GENEROUS_LIMITS } from "../fixtures/generous-limits.js";
import { uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { attemptUpgradeDetailed, openTappedSocket, openWireClient } from "../fixtures/raw-socket.js";
import { startLoggedServer } from "../fixtures/logged-server.js";
import { createStaticSite } from "../fixtures/static-site.js";

const MAIN = "apps/server/dist/main.js";
/**
 * Raw tRPC clients rather than typed ones: 200 typed clients (superjson, reconnect logic,
 * keep-alive) would make this one test weigh more than the rest of the suite, and a raw client
 * does not reconnect on the server's request, so every socket stays to see the end.
 */
const CLIENTS = 200;
const ROOMS = 10;
/** How many acknowledged messages make the server "under load" when the signal arrives. */
const ACKED_BEFORE_SIGNAL = CLIENTS;
/**
 * ~2 KB messages sent past a reader that has stopped reading: about 6 MB, more than a loopback
 * connection's kernel buffers hold (about 4 MB here), so some of it is still in the server's
 * own buffer when the shutdown starts. The test checks that rather than assume it.
 */
const BACKLOG_MESSAGES = 3000;

/** A tracked message as the wire carries it. */
interface TrackedWire {
  id: string;
  data: { kind: string };
}

/** One client of the load: its room, its socket, and what its room got. */
interface Chatter {
  roomId: string;
  wire: WireClient;
  received: TrackedWire[];
}

describe("shutdown under load", () => {
  it("on SIGTERM refuses new upgrades with 503, delivers every acknowledged message to every reader, closes with 1001 and exits 0", async () => {
    const site = await createStaticSite();
    onTestFinished(() => site.remove());
    const server = spawnNode([MAIN], {
      PORT: "0",
      STATIC_DIR: site.dir,
      DATA_DIR: tempDataDir(),
      LOG_LEVEL: "info",
      // Far above what the test opens, so that a 503 can only mean "shutting down".
      MAX_CONNECTIONS_PER_IP: "10000",
      ...GENEROUS_LIMITS,
    });
    const [, port = ""] = await server.waitForStdout(/chat is running at http:\/\/127\.0\.0\.1:(\d+)\n/, "the start banner");
    const url = `ws://127.0.0.1:${port}/trpc`;
    const rooms = Array.from({ length: ROOMS }, () => uniqueRoomId("drain"));

    const chatters: Chatter[] = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, index): Promise<Chatter> => {
        const roomId = rooms[index % ROOMS] ?? "";
        const wire = await openWireClient(url);
        onTestFinished(() => wire.socket.terminate());
        await wire.mutate("joinRoom", { roomId, username: `user${index}` });
        const subscription = wire.subscribe<TrackedWire>("onMessage", { roomId });
        await subscription.started;
        return { roomId, wire, received: subscription.events };
      }),
    );
    // A reader that never reads again, so it never answers the close handshake: it keeps the
    // drain open (until the grace runs out) while the test knocks on the door.
    const stalled = await openTappedSocket(url);
    stalled.socket.on("error", () => {});
    stalled.tcp.pause();

    // Everyone chats, one message at a time, until its socket closes.
    const acked: { roomId: string; id: string }[] = [];
    const chatting = chatters.map(async ({ roomId, wire }, index) => {
      for (let n = 0; ; n++) {
        try {
          const message = (await wire.mutate("sendMessage", { roomId, text: `user${index} #${n}` })) as { id: string };
          acked.push({ roomId, id: message.id });
        } catch {
          return;
        }
      }
    });
    await waitFor(() => acked.length >= ACKED_BEFORE_SIGNAL, "the clients to be chatting");

    const ackedBeforeSignal = [...acked];
    server.child.kill("SIGTERM");

    // Knock until refused: knocks that arrive before the server has seen the signal still open
    // (and are closed with everyone else); the first refusal must be a 503, not a dead port.
    const knocks: WireClient[] = [];
    let knock = await attemptUpgradeDetailed(url);
    while (knock.opened) {
      knocks.push(wireClient(knock.socket));
      knock = await attemptUpgradeDetailed(url);
    }
    expect(knock).toMatchObject({ opened: false, status: 503, headers: { "retry-after": expect.stringMatching(/^\d+$/) } });
    expect(server.stdout).not.toContain('"event":"connection_refused"');

    const closeCodes = await within(Promise.all([...chatters.map(({ wire }) => wire.closed), ...knocks.map((wire) => wire.closed)]), "every client to be closed");
    await Promise.all(chatting);
    expect(new Set(closeCodes)).toEqual(new Set([SHUTDOWN_CLOSE_CODE]));
    for (const { wire } of chatters) expect(wire.reconnectRequested).toBe(true);
    for (const { roomId, received } of chatters) {
      const got = new Set(received.map((message) => message.id));
      const missing = ackedBeforeSignal.filter((message) => message.roomId === roomId && !got.has(message.id));
      expect(missing).toEqual([]);
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it("flushes what is still queued for a reader that lags behind before closing it with 1001", async () => {
    // Neither slow-consumer limit may end the lagging reader first.
    const app = await startLoggedServer({ SLOW_CONSUMER_MAX_BYTES: "1073741824", SLOW_CONSUMER_DRAIN_MS: "3600000" });
    const roomId = uniqueRoomId("backlog");
    const writer = app.client();
    await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
    const lagging = await stalledReader(app.wsUrl, roomId);
    const sent = await floodRoom(writer, roomId, (count) => count >= BACKLOG_MESSAGES, BACKLOG_MESSAGES);

    const closing = app.server.close();

    const started = await app.waitForLog("shutdown_started");
    expect(started.bufferedBytes, "the backlog must outgrow the kernel's buffers for this test to mean anything").toBeGreaterThan(0);
    // While it drains, the health check sends load balancers elsewhere.
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "shutting_down" });
    // The reader catches up within the shutdown's grace: it gets everything, then the close.
    lagging.tcp.resume();
    expect(await within(lagging.wire.closed, "the lagging reader to be closed")).toBe(SHUTDOWN_CLOSE_CODE);
    await closing;
    expect(lagging.received.filter((message) => message.data.kind === "user").map((message) => message.id)).toEqual(sent);
  });
});
