/**
 * Fuzzing the WebSocket endpoint with fast-check: thousands of generated frames over raw sockets
 * while two honest clients chat. The server may answer with errors or close a fuzz socket, but the
 * honest clients must notice nothing and every resource the fuzzers held must be given back.
 */
import { encodeFrame, wireRequest } from "@chat/api/wire-kit";
import { CONNECTION_CUT_CLOSE_CODE, FLOOD_CLOSE_CODE, FRAME_TOO_BIG_CLOSE_CODE, INVALID_PAYLOAD_CLOSE_CODE, SHUTDOWN_CLOSE_CODE, SLOW_CONSUMER_CLOSE_CODE } from "@chat/client";
import fc from "fast-check";
import { MAX_FRAME_BYTES } from "@chat/server";
import { describe, expect, it } from "vitest";
import { collectMessages, sleep, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { openRawSocket, type RawSocket } from "../fixtures/raw-socket.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

// Fixed so a failure replays exactly: the frames depend only on this seed.
const SEED = 20_261_124;
const FRAMES = 10_000;
const SOCKETS = 8;
const BATCH = 25;
/** Close codes a fuzz socket may end with (docs/security.md): its own normal close (1000), or one the server uses. */
const ALLOWED_CLOSE_CODES = new Set([
  1000,
  SHUTDOWN_CLOSE_CODE,
  CONNECTION_CUT_CLOSE_CODE,
  INVALID_PAYLOAD_CLOSE_CODE,
  FLOOD_CLOSE_CODE,
  FRAME_TOO_BIG_CLOSE_CODE,
  SLOW_CONSUMER_CLOSE_CODE,
]);
const HONEST_MESSAGES = 100;

/** A text frame, a binary frame, or raw bytes sent as a text frame (invalid UTF-8: they end in 0xff). */
type Frame = string | Uint8Array | { text: Uint8Array };

/** Builds the frame generator; `honestRoom` is one of the rooms fuzzers aim at, so they crowd it. */
function frameArbitrary(honestRoom: string): fc.Arbitrary<Frame> {
  const roomId = fc.oneof(fc.constantFrom(honestRoom, "fuzz-a", "fuzz-b", "General", ""), fc.string({ maxLength: 40 }));
  const username = fc.oneof(fc.constantFrom("mallory", "alice", "bob", " ", "\u200b"), fc.string({ maxLength: 40 }));
  const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: "grapheme", maxLength: 2_100 }));
  const clientMessageId = fc.option(fc.oneof(fc.constantFrom("dup-1", "x".repeat(65)), fc.string({ maxLength: 70 })), { nil: undefined });
  const lastEventId = fc.option(fc.string({ maxLength: 80 }), { nil: null });
  // A valid request for every procedure (and a stop), as the typed client would send it.
  const valid = fc.oneof(
    fc.record({ method: fc.constant("mutation"), path: fc.constant("joinRoom"), input: fc.record({ roomId, username }) }),
    fc.record({ method: fc.constant("mutation"), path: fc.constant("sendMessage"), input: fc.record({ roomId, text, clientMessageId }, { requiredKeys: ["roomId", "text"] }) }),
    fc.record({ method: fc.constant("mutation"), path: fc.constantFrom("sendTyping", "leaveRoom"), input: fc.record({ roomId }) }),
    fc.record({ method: fc.constant("query"), path: fc.constant("listRooms"), input: fc.constant(null) }),
    fc.record({ method: fc.constant("subscription"), path: fc.constant("onMessage"), input: fc.record({ roomId, lastEventId }) }),
    fc.record({ method: fc.constant("subscription"), path: fc.constant("onPresence"), input: fc.record({ roomId }) }),
  );
  const id = fc.nat({ max: 50 });
  const validFrame = fc.tuple(id, valid).map(([requestId, { method, path, input }]) => ({ id: requestId, method, params: { path, input: { json: input } } }));
  const stopFrame = id.map((requestId) => ({ id: requestId, method: "subscription.stop" }));
  // Nesting as raw text: 2 bytes a level reaches depths JSON.stringify of a generated value would not.
  const deep = fc.tuple(fc.integer({ min: 100, max: 30_000 }), fc.constantFrom("[]", "{}")).map(([depth, kind]) =>
    kind === "[]" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth / 5)}1${"}".repeat(depth / 5)}`,
  );
  const huge = fc.tuple(fc.constantFrom("a", "é", "\u{1F600}", " "), fc.integer({ min: 1_000, max: 15_000 })).map(([char, count]) => char.repeat(count));
  const anyValue = fc.oneof({ weight: 8, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: huge });
  // Each mutation replaces one part of a valid request with something arbitrary.
  const mutated = fc.tuple(validFrame, fc.nat({ max: 6 }), anyValue, fc.string({ maxLength: 30 })).map(([frame, which, value, name]): string => {
    const params = frame.params as Record<string, unknown>;
    if (which === 0) return JSON.stringify({ ...frame, id: value });
    if (which === 1) return JSON.stringify({ ...frame, method: value });
    if (which === 2) return JSON.stringify({ ...frame, params: { ...params, path: name } });
    if (which === 3) return JSON.stringify({ ...frame, params: { ...params, input: { json: value } } });
    if (which === 4) return JSON.stringify({ ...frame, params: { ...params, input: value } });
    if (which === 5) return JSON.stringify({ ...frame, params: value });
    // superjson's meta drives its deserialiser: aim it at prototypes and odd types.
    return JSON.stringify({ ...frame, params: { ...params, input: { json: params.input, meta: { values: { [name]: [value], ["__proto__"]: ["map"], "constructor.prototype": ["set"] } } } } });
  });
  const randomCall = fc
    .tuple(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom("query", "mutation", "subscription", "subscription.stop", "connectionParams", "reconnect"), fc.string({ maxLength: 40 }), anyValue)
    .map(([requestId, method, path, input]) => JSON.stringify({ id: requestId, method, params: { path, input: { json: input } } }));
  const nested = fc.tuple(validFrame, deep).map(([frame, value]) => JSON.stringify(frame).replace('"json":', `"json":${value},"x":`));
  return fc.oneof(
    { weight: 12, arbitrary: validFrame.map((frame) => JSON.stringify(frame)) },
    { weight: 3, arbitrary: stopFrame.map((frame) => JSON.stringify(frame)) },
    { weight: 24, arbitrary: mutated },
    { weight: 12, arbitrary: randomCall },
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 6, arbitrary: fc.string({ unit: "binary", maxLength: 512 }) },
    // Rare, because each one costs a socket (1007) and the fuzzing then waits for that close.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ text: Uint8Array.from([...bytes, 0xff]) })) },
    { weight: 3, arbitrary: fc.constantFrom("PING", "PONG", "", "null", "[]", "{}", "[{}]") },
    { weight: 3, arbitrary: nested },
    { weight: 3, arbitrary: deep },
  );
}

/** The byte size of `frame` on the wire. */
const sizeOf = (frame: Frame): number =>
  typeof frame === "string" ? Buffer.byteLength(frame) : frame instanceof Uint8Array ? frame.byteLength : frame.text.byteLength;

/** Whether `frame` is raw bytes sent as a text frame. */
const isInvalidText = (frame: Frame): frame is { text: Uint8Array } => typeof frame !== "string" && !(frame instanceof Uint8Array);

/** `GET /healthz` as parsed JSON with its status. */
async function health(app: TestServer): Promise<{ status: number; connections: number }> {
  const response = await fetch(`${app.url}/healthz`);
  const body = (await response.json()) as { connections: number };
  return { status: response.status, connections: body.connections };
}

/** Sends `frame` and resolves once `ws` has handed it to the kernel (or failed to). */
const sendFrame = (raw: RawSocket, frame: Frame): Promise<void> =>
  new Promise((resolve) => {
    const [data, binary] = typeof frame === "string" ? [frame, false] : frame instanceof Uint8Array ? [frame, true] : [frame.text, false];
    raw.socket.send(data, { binary }, () => resolve());
  });

describe("fuzzing the WebSocket endpoint", () => {
  it(`survives ${FRAMES} generated frames (seed ${SEED}) while two people chat, and gives every resource back`, { timeout: 60_000 }, async () => {
    const app = await startTestServer();
    const honestRoom = uniqueRoomId("fuzz");
    const alice = app.client();
    const bob = app.client();
    await alice.trpc.joinRoom.mutate({ roomId: honestRoom, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId: honestRoom, username: "bob" });
    const aliceHears = collectMessages(alice, honestRoom);
    const bobHears = collectMessages(bob, honestRoom);
    await Promise.all([aliceHears.started, bobHears.started]);
    const baseline = { health: await health(app), streams: app.server.broker.stats().streams, rooms: await app.server.broker.listRooms() };

    // A few generated frames exceed the frame limit (a 1009 close is tested in transport.test.ts):
    // a little more is generated and those are dropped, keeping the sequence fixed by the seed.
    const frames = fc
      .sample(frameArbitrary(honestRoom), { seed: SEED, numRuns: FRAMES + FRAMES / 10 })
      .filter((frame) => sizeOf(frame) <= MAX_FRAME_BYTES)
      .slice(0, FRAMES);
    expect(frames).toHaveLength(FRAMES);

    const closeCodes = new Map<number, number>();
    let replies = 0;
    const sockets: RawSocket[] = [];
    let fuzzing = true;
    const probes = new Map<string, () => void>();
    let probeCount = 0;
    /** Opens a fuzz socket and counts its replies and how the server closed it, while the fuzzing runs. */
    const open = async (): Promise<RawSocket> => {
      const raw = await openRawSocket(app.wsUrl);
      // Replies are counted, not kept: a fuzz socket subscribed to the honest room would pile them up.
      raw.socket.removeAllListeners("message");
      raw.socket.on("message", (data: Buffer) => {
        replies++;
        const text = data.toString();
        if (!text.includes('"probe-')) return;
        const { id } = JSON.parse(text) as { id?: unknown };
        if (typeof id === "string") probes.get(id)?.();
      });
      void raw.closed.then((code) => {
        if (fuzzing) closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
      });
      sockets.push(raw);
      return raw;
    };
    /** Resolves once the server answered a `listRooms` probe sent after everything before it, or closed the socket. */
    const probe = (raw: RawSocket): Promise<void> => {
      const id = `probe-${probeCount++}`;
      const answered = new Promise<void>((resolve) => probes.set(id, resolve));
      raw.socket.send(encodeFrame(wireRequest(id, "query", "listRooms", null)));
      return within(Promise.race([answered, raw.closed.then(() => {})]), `an answer to ${id}`).finally(() => probes.delete(id));
    };

    let next = 0;
    let sentFrames = 0;
    /**
     * One fuzz socket's loop: a batch, then a probe whose answer shows the server has read the
     * batch (backpressure without awaiting each frame). Raw bytes sent as text close the socket
     * (1007), so they go after the probe and the loop waits for that close before opening anew.
     */
    const fuzzWorker = async (): Promise<void> => {
      let raw = await open();
      while (next < frames.length) {
        const batch = frames.slice(next, next + BATCH);
        next += BATCH;
        // A socket the server closed is replaced, so the fuzzing goes on at full width.
        if (raw.closeCode !== null || raw.socket.readyState !== raw.socket.OPEN) raw = await open();
        const closing = batch.filter((frame) => isInvalidText(frame));
        await Promise.all(batch.filter((frame) => !isInvalidText(frame)).map((frame) => sendFrame(raw, frame)));
        await probe(raw);
        if (closing.length > 0 && raw.closeCode === null) {
          await Promise.all(closing.map((frame) => sendFrame(raw, frame)));
          await within(raw.closed, "the server to close a socket that sent invalid UTF-8");
        }
        sentFrames += batch.length;
      }
    };
    const fuzz = async (): Promise<void> => {
      await Promise.all(Array.from({ length: SOCKETS }, fuzzWorker));
    };
    const sent = { alice: [] as string[], bob: [] as string[] };
    const chat = async (who: "alice" | "bob"): Promise<void> => {
      const client = who === "alice" ? alice : bob;
      for (let index = 0; index < HONEST_MESSAGES; index++) {
        const message = await client.trpc.sendMessage.mutate({ roomId: honestRoom, text: `${who} ${index}`, clientMessageId: `${who}-${index}` });
        sent[who].push(message.id);
        await sleep(5);
      }
    };

    await Promise.all([fuzz(), chat("alice"), chat("bob")]);

    // Each honest client hears both people's messages, exactly once and in the order they were sent.
    const ownIds = new Set([...sent.alice, ...sent.bob]);
    const heardOwn = (events: typeof aliceHears.events): string[] => events.map((event) => event.id).filter((id) => ownIds.has(id));
    await waitFor(() => heardOwn(aliceHears.events).length >= ownIds.size && heardOwn(bobHears.events).length >= ownIds.size, "both honest clients to hear all 200 messages");
    for (const hears of [aliceHears, bobHears]) {
      const heard = heardOwn(hears.events);
      expect(heard.filter((id) => sent.alice.includes(id))).toEqual(sent.alice);
      expect(heard.filter((id) => sent.bob.includes(id))).toEqual(sent.bob);
      expect(hears.errors).toEqual([]);
    }
    expect((await health(app)).status).toBe(200);
    expect(alice.status).toBe("online");
    expect(bob.status).toBe("online");

    fuzzing = false;
    for (const raw of sockets) raw.socket.terminate();
    const closes = Object.fromEntries(closeCodes);
    console.info(`fuzz seed ${SEED}: ${frames.length} frames sent (${sentFrames} counted) over ${sockets.length} sockets, ${replies} replies; server closes by code: ${JSON.stringify(closes)}`);
    // The frames reached the tRPC layer: most of them are answered (an error is an answer too).
    expect(sentFrames).toBe(frames.length);
    expect(replies).toBeGreaterThan(frames.length / 4);
    for (const code of closeCodes.keys()) expect(ALLOWED_CLOSE_CODES, `close code ${code}`).toContain(code);

    // Rooms the fuzzers joined are left after LEAVE_GRACE_MS; empty rooms may stay in memory
    // (up to MAX_ROOMS), so members are compared through listRooms, which lists occupied rooms only.
    await waitFor(async () => (await health(app)).connections === baseline.health.connections, "connections back to the honest two");
    await waitFor(() => app.server.broker.stats().streams === baseline.streams, "streams back to the honest two");
    await waitFor(async () => JSON.stringify(await app.server.broker.listRooms()) === JSON.stringify(baseline.rooms), "only the honest room occupied");
    expect(await app.server.broker.members(honestRoom)).toEqual(expect.arrayContaining([{ username: "alice" }, { username: "bob" }]));
    expect(await app.server.broker.members(honestRoom)).toHaveLength(2);
  });
});
