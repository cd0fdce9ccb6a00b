import { type ChatMessage, CONNECTION_CUT_CLOSE_CODE } from "@chat/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { classifySendFailure, createOutbox, type Outbox, type PendingMessage } from "./outbox";

/** A send the test answers by hand. */
interface Call {
  input: { roomId: string; text: string; clientMessageId: string; replyTo?: string };
  resolve(message: ChatMessage): void;
  reject(error: unknown): void;
}

/** An error as tRPC's client gives it: the server's `data`, or a closed socket as the cause. */
const serverError = (code: string, message: string, retryAfterMs?: number | null): Error =>
  Object.assign(new Error(message), { data: retryAfterMs === undefined ? { code } : { code, retryAfterMs } });
const socketClosed = (): Error => Object.assign(new Error("Unknown error"), { cause: { type: "close", code: CONNECTION_CUT_CLOSE_CODE } });

/** Lets settled promises run their callbacks. */
const settle = async (): Promise<void> => {
  for (let tick = 0; tick < 5; tick++) await Promise.resolve();
};

function setup(options: { closed?: () => boolean } = {}) {
  const calls: Call[] = [];
  /** What the page shows per room: pending lines, then the stored copies shown in their place. */
  const lines = new Map<string, PendingMessage[]>();
  const shown: ChatMessage[] = [];
  let ids = 0;
  const outbox: Outbox = createOutbox({
    sendMessage: (input) =>
      new Promise<ChatMessage>((resolve, reject) => {
        calls.push({ input, resolve, reject });
      }),
    closed: options.closed ?? (() => false),
    newId: () => `id-${++ids}`,
    view: {
      put(roomId, line) {
        const room = lines.get(roomId) ?? [];
        const index = room.findIndex((candidate) => candidate.clientMessageId === line.clientMessageId);
        if (index === -1) room.push(line);
        else room[index] = line;
        lines.set(roomId, room);
      },
      remove(roomId, clientMessageId, stored) {
        lines.set(roomId, (lines.get(roomId) ?? []).filter((line) => line.clientMessageId !== clientMessageId));
        if (stored !== null) shown.push(stored);
      },
    },
  });
  const call = (index: number): Call => {
    const found = calls[index];
    if (found === undefined) throw new Error(`no call ${index}; ${calls.length} made`);
    return found;
  };
  return { outbox, calls, call, lines: (roomId = "general") => lines.get(roomId) ?? [], shown };
}

const message = (id: string, text: string): ChatMessage => ({
  id,
  roomId: "general",
  kind: "user",
  username: "alice",
  text,
  sentAt: new Date(0),
  editedAt: null,
  deleted: false,
  replyTo: null,
  mentions: [],
  reactions: [],
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the outbox", () => {
  it("shows a message as sending at once, then puts the stored copy in its place", async () => {
    const { outbox, call, lines, shown } = setup();
    const sent = outbox.send("general", "hello");
    expect(lines()).toEqual([{ clientMessageId: "id-1", text: "hello", replyTo: null, status: "sending", error: null }]);
    expect(call(0).input).toEqual({ roomId: "general", text: "hello", clientMessageId: "id-1" });

    call(0).resolve(message("m1", "hello"));

    expect(await sent).toBe(true);
    expect(lines()).toEqual([]);
    expect(shown).toEqual([message("m1", "hello")]);
  });

  it("sends again with the same id when the connection drops before the reply", async () => {
    const { outbox, calls, call, lines, shown } = setup();
    const sent = outbox.send("general", "hello");
    call(0).reject(socketClosed());
    await settle();
    expect(calls.map((c) => c.input.clientMessageId)).toEqual(["id-1", "id-1"]);
    expect(lines()).toMatchObject([{ status: "sending" }]);

    call(1).resolve(message("m1", "hello"));
    expect(await sent).toBe(true);
    expect(shown.map((m) => m.id)).toEqual(["m1"]);
  });

  it("leaves the message pending and unsent once the connection is closed for good", async () => {
    const { outbox, calls, call, lines } = setup({ closed: () => true });
    void outbox.send("general", "hello");
    call(0).reject(socketClosed());
    await settle();
    expect(calls).toHaveLength(1);
    expect(lines()).toMatchObject([{ status: "sending" }]);
  });

  it("sends again after the delay the server names when it was sent too fast", async () => {
    vi.useFakeTimers();
    const { outbox, calls, call, lines } = setup();
    void outbox.send("general", "hello");
    call(0).reject(serverError("TOO_MANY_REQUESTS", "You are sending too fast; try again in 1.0 s.", 1000));
    await settle();
    vi.advanceTimersByTime(999);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(calls.map((c) => c.input.clientMessageId)).toEqual(["id-1", "id-1"]);
    expect(lines()).toMatchObject([{ status: "sending", error: null }]);
  });

  it("keeps a message sending while the server cannot reach its store, and sends it again under the same id after the delay named", async () => {
    vi.useFakeTimers();
    const { outbox, calls, call, lines, shown } = setup();
    const sent = outbox.send("general", "hello");
    const unavailable = "The chat cannot reach its message store right now, so this was not done; please try again in a moment.";
    call(0).reject(serverError("SERVICE_UNAVAILABLE", unavailable, 1000));
    await settle();
    expect(lines()).toMatchObject([{ status: "sending", error: null }]);
    vi.advanceTimersByTime(999);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    call(1).reject(serverError("SERVICE_UNAVAILABLE", unavailable, 1000));
    await settle();
    vi.advanceTimersByTime(1000);

    call(2).resolve(message("m1", "hello"));

    expect(await sent).toBe(true);
    expect(calls.map((c) => c.input.clientMessageId)).toEqual(["id-1", "id-1", "id-1"]);
    expect(lines()).toEqual([]);
    expect(shown.map((m) => m.id)).toEqual(["m1"]);
  });

  it("marks a refused message as failed with the reason, and retries it under the same id", async () => {
    const { outbox, calls, call, lines, shown } = setup();
    const sent = outbox.send("general", "hello");
    call(0).reject(serverError("FORBIDDEN", "Join general before sending to it."));
    expect(await sent).toBe(false);
    expect(lines()).toEqual([{ clientMessageId: "id-1", text: "hello", replyTo: null, status: "failed", error: "Join general before sending to it." }]);
    expect(calls).toHaveLength(1);

    outbox.retry("id-1");
    expect(lines()).toMatchObject([{ status: "sending", error: null }]);
    call(1).resolve(message("m1", "hello"));
    await settle();
    expect(calls.map((c) => c.input.clientMessageId)).toEqual(["id-1", "id-1"]);
    expect(lines()).toEqual([]);
    expect(shown.map((m) => m.id)).toEqual(["m1"]);
  });

  it("discards a failed message, and neither retries nor discards one still sending", async () => {
    const { outbox, calls, call, lines } = setup();
    void outbox.send("general", "refused");
    void outbox.send("general", "on its way");
    call(0).reject(serverError("BAD_REQUEST", "Message is empty."));
    await settle();
    outbox.retry("id-2");
    outbox.discard("id-2");
    outbox.discard("id-1");
    expect(lines().map((line) => line.text)).toEqual(["on its way"]);
    expect(calls).toHaveLength(2);
  });

  it("lets an own message from the stream take a waiting line's place, and shows nothing more when the reply names it", async () => {
    const { outbox, call, lines, shown } = setup();
    const sent = outbox.send("general", "hello");
    outbox.claim("general", message("m1", "hello"));
    expect(lines()).toEqual([]);
    call(0).resolve(message("m1", "hello"));
    expect(await sent).toBe(true);
    expect(shown).toEqual([]);
  });

  it("shows the stored copy when the reply names another message than the one that took the line's place", async () => {
    const { outbox, call, shown } = setup();
    void outbox.send("general", "hello");
    outbox.claim("general", message("from-another-tab", "hello"));
    call(0).resolve(message("m2", "hello"));
    await settle();
    expect(shown.map((m) => m.id)).toEqual(["m2"]);
  });

  it("claims only a line of the same room and text, oldest first, and each line once", () => {
    const { outbox, lines } = setup();
    void outbox.send("general", "ok");
    void outbox.send("general", "ok");
    void outbox.send("general", "other");
    void outbox.send("random", "ok");
    outbox.claim("general", message("m1", "ok"));
    expect(lines().map((line) => line.clientMessageId)).toEqual(["id-2", "id-3"]);
    outbox.claim("general", message("m2", "ok"));
    outbox.claim("general", message("m3", "ok"));
    expect(lines().map((line) => line.clientMessageId)).toEqual(["id-3"]);
    expect(lines("random")).toHaveLength(1);
  });

  it("sends a reply with the id of the message it answers, shows its quote, and claims only a copy answering the same", async () => {
    const { outbox, call, lines } = setup();
    const quote = { id: "q1", username: "bob", text: "lunch?" };
    void outbox.send("general", "yes", quote);
    expect(call(0).input).toEqual({ roomId: "general", text: "yes", clientMessageId: "id-1", replyTo: "q1" });
    expect(lines()).toEqual([{ clientMessageId: "id-1", text: "yes", replyTo: quote, status: "sending", error: null }]);
    // The same words, not as a reply (or as a reply to another message), are another message.
    outbox.claim("general", message("m1", "yes"));
    outbox.claim("general", { ...message("m2", "yes"), replyTo: { ...quote, id: "q2" } });
    expect(lines()).toHaveLength(1);
    outbox.claim("general", { ...message("m3", "yes"), replyTo: quote });
    expect(lines()).toEqual([]);
  });

  it("brings a claimed line back as failed when the server refuses it after all", async () => {
    const { outbox, call, lines } = setup();
    void outbox.send("general", "hello");
    outbox.claim("general", message("from-another-tab", "hello"));
    call(0).reject(serverError("FORBIDDEN", "Join general before sending to it."));
    await settle();
    expect(lines()).toMatchObject([{ clientMessageId: "id-1", status: "failed" }]);
  });

  it("gives up a left room's messages: no retry, and late replies change nothing", async () => {
    vi.useFakeTimers();
    const { outbox, calls, call, shown } = setup();
    const first = outbox.send("general", "slow");
    void outbox.send("general", "too fast");
    call(1).reject(serverError("TOO_MANY_REQUESTS", "Too fast.", 500));
    await settle();
    outbox.dropRoom("general");
    expect(await first).toBe(false);
    call(0).resolve(message("m1", "slow"));
    vi.advanceTimersByTime(1000);
    await settle();
    expect(calls).toHaveLength(2);
    expect(shown).toEqual([]);
  });
});

describe("classifySendFailure", () => {
  it("sorts tRPC's errors into what to do next", () => {
    expect(classifySendFailure(socketClosed())).toEqual({ kind: "connection" });
    expect(classifySendFailure(Object.assign(new Error("Unknown error"), { cause: { type: "error" } }))).toEqual({ kind: "connection" });
    const closedError = Object.assign(new Error("WebSocket closed"), { name: "TRPCWebSocketClosedError" });
    expect(classifySendFailure(Object.assign(new Error("WebSocket closed"), { cause: closedError }))).toEqual({ kind: "connection" });
    expect(classifySendFailure(serverError("TOO_MANY_REQUESTS", "Too fast.", 420))).toEqual({ kind: "later", retryAfterMs: 420 });
    expect(classifySendFailure(serverError("TOO_MANY_REQUESTS", "Too fast."))).toEqual({ kind: "later", retryAfterMs: 1000 });
    expect(classifySendFailure(serverError("SERVICE_UNAVAILABLE", "Store unreachable.", 2500))).toEqual({ kind: "later", retryAfterMs: 2500 });
    expect(classifySendFailure(serverError("SERVICE_UNAVAILABLE", "Store unreachable."))).toEqual({ kind: "later", retryAfterMs: 1000 });
    // A refusal that says waiting will not help (`retryAfterMs: null`) is not retried.
    expect(classifySendFailure(serverError("TOO_MANY_REQUESTS", "Stop one first.", null))).toEqual({ kind: "refused", reason: "Stop one first." });
    expect(classifySendFailure(serverError("BAD_REQUEST", "Message is empty."))).toEqual({ kind: "refused", reason: "Message is empty." });
    expect(classifySendFailure(serverError("INTERNAL_SERVER_ERROR", "Oops."))).toEqual({ kind: "refused", reason: "Oops." });
    expect(classifySendFailure(new Error("The chat client is closed."))).toEqual({ kind: "refused", reason: "The chat client is closed." });
    expect(classifySendFailure("???")).toEqual({ kind: "refused", reason: "Something went wrong; please try again." });
  });
});
