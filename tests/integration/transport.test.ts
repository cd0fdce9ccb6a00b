import { encodeFrame, wireRequest } from "@chat/api/wire-kit";
import { FRAME_TOO_BIG_CLOSE_CODE } from "@chat/client";
import { describe, expect, it } from "vitest";
import { waitFor } from "../fixtures/helpers.js";
import { attemptUpgrade, isResponseTo, listRoomsFrame, rawSocketsEndedAfterEach } from "../fixtures/raw-socket.js";
import { startTestServer } from "../fixtures/test-server.js";

const LIMIT = 65_536;
const rawSocket = rawSocketsEndedAfterEach();

describe("frame size limit", () => {
  it("closes a connection that sends a frame over 65,536 bytes with 1009, and only that one", async () => {
    const app = await startTestServer();
    const flooder = await rawSocket(app.wsUrl);
    const bystander = await rawSocket(app.wsUrl);

    flooder.socket.send(listRoomsFrame(1, LIMIT + 1));

    await waitFor(() => flooder.closeCode !== null || flooder.received.some(isResponseTo(1)), "the frame to be refused or served");
    expect(flooder.closeCode).toBe(FRAME_TOO_BIG_CLOSE_CODE);
    expect(flooder.received.some(isResponseTo(1))).toBe(false);
    bystander.socket.send(listRoomsFrame(2));
    await waitFor(() => bystander.received.some(isResponseTo(2)), "the other connection to be served");
    expect(bystander.closeCode).toBeNull();
  });

  it("serves a frame of exactly 65,536 bytes", async () => {
    const app = await startTestServer();
    const raw = await rawSocket(app.wsUrl);

    raw.socket.send(listRoomsFrame(1, LIMIT));

    await waitFor(() => raw.received.some(isResponseTo(1)), "the answer to the largest allowed frame");
    expect(raw.received.find(isResponseTo(1))).toEqual({ id: 1, result: { type: "data", data: { rooms: [], nextCursor: null } } });
    expect(raw.closeCode).toBeNull();
  });

  it("answers a big but allowed message, even when the answer is an error", async () => {
    const app = await startTestServer();
    const raw = await rawSocket(app.wsUrl);
    const frame = encodeFrame(wireRequest(7, "mutation", "sendMessage", { roomId: "big", text: "x".repeat(60 * 1024) }));

    raw.socket.send(frame);

    await waitFor(() => raw.received.some(isResponseTo(7)), "the answer to a 60 KiB message");
    expect(raw.received.find(isResponseTo(7))).toMatchObject({ id: 7, error: { data: { code: "BAD_REQUEST" } } });
    expect(raw.closeCode).toBeNull();
  });
});

describe("WebSocket upgrades", () => {
  it("refuses an upgrade with a foreign Origin with HTTP 403, and the socket never opens", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(app.wsUrl, { origin: "https://evil.example" });

    expect(outcome).toEqual({ opened: false, status: 403 });
  });

  it("refuses the opaque Origin null (sandboxed frames, file: pages)", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(app.wsUrl, { origin: "null" });

    expect(outcome).toEqual({ opened: false, status: 403 });
  });

  it("refuses an Origin with the server's host name but another port", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(app.wsUrl, { origin: `http://127.0.0.1:${app.port === 65_535 ? 1 : app.port + 1}` });

    expect(outcome).toEqual({ opened: false, status: 403 });
  });

  it("allows the server's own origin", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(app.wsUrl, { origin: `http://127.0.0.1:${app.port}` });

    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.terminate();
  });

  it("allows an upgrade without an Origin header", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(app.wsUrl);

    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.terminate();
  });

  it("allows exactly the origins listed in ALLOWED_ORIGINS", async () => {
    const app = await startTestServer({ ALLOWED_ORIGINS: "https://chat.example.com, https://other.example.org" });

    const listed = await attemptUpgrade(app.wsUrl, { origin: "https://chat.example.com" });
    const second = await attemptUpgrade(app.wsUrl, { origin: "https://other.example.org" });
    const lookalike = await attemptUpgrade(app.wsUrl, { origin: "https://chat.example.com.evil.example" });
    const unlisted = await attemptUpgrade(app.wsUrl, { origin: "https://evil.example" });

    expect(listed.opened).toBe(true);
    expect(second.opened).toBe(true);
    expect(lookalike).toEqual({ opened: false, status: 403 });
    expect(unlisted).toEqual({ opened: false, status: 403 });
    for (const outcome of [listed, second]) if (outcome.opened) outcome.socket.terminate();
  });

  it("matches an ALLOWED_ORIGINS entry written with a trailing slash against the browser's bare origin", async () => {
    const app = await startTestServer({ ALLOWED_ORIGINS: "https://chat.example.com/" });

    const outcome = await attemptUpgrade(app.wsUrl, { origin: "https://chat.example.com" });

    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.terminate();
  });

  it("refuses an upgrade on a path other than /trpc", async () => {
    const app = await startTestServer();

    const outcome = await attemptUpgrade(`ws://127.0.0.1:${app.port}/elsewhere`);
    const root = await attemptUpgrade(`ws://127.0.0.1:${app.port}/`);

    expect(outcome).toEqual({ opened: false, status: 404 });
    expect(root).toEqual({ opened: false, status: 404 });
  });

  it("counts only opened sockets as connections", async () => {
    const app = await startTestServer();
    await attemptUpgrade(app.wsUrl, { origin: "https://evil.example" });

    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { connections: number };

    expect(health.connections).toBe(0);
  });
});
