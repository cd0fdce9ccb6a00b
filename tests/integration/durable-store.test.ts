/**
 * The default store across process deaths (issue 14): the built server, on SQLite in a DATA_DIR
 * of the test's own, killed with SIGKILL while clients send, then started again on the same
 * directory and port. What was acknowledged is there; what was not is stored once when retried
 * with its client message id; a reader that stayed subscribed resumes exactly, with no gap.
 */
import { createServer } from "node:net";
import { createChatClient, type ChatClient } from "@chat/client";
import type { ChatMessage } from "@chat/api/schema";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { tempDataDir } from "../fixtures/data-dir.js";
import { GENEROUS_LIMITS } from "../fixtures/generous-limits.js";
import { collectMessages, messagesIn, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { type ServerProcess, startServerProcess } from "../fixtures/server-process.js";

/** A port nothing listens on now, so a restarted server can take the same one and clients find it again. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

describe("the default store survives the process", { timeout: 90_000 }, () => {
  const env = (dataDir: string, port: number): Record<string, string> => ({ ...GENEROUS_LIMITS, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn" });
  const client = (port: number): ChatClient => {
    const chat = createChatClient({ url: `ws://127.0.0.1:${port}/trpc`, WebSocket, retryDelayMs: () => 100 });
    onTestFinished(() => chat.close());
    return chat;
  };
  /** Every message of the room, paged back from the newest to the first, oldest first. */
  const wholeHistory = async (chat: ChatClient, roomId: string): Promise<ChatMessage[]> => {
    const pages: ChatMessage[][] = [];
    let before: string | null = null;
    for (;;) {
      const page = await chat.trpc.history.query({ roomId, before, limit: 100 });
      pages.unshift(page.messages);
      if (!page.hasMore) return pages.flat();
      before = page.messages[0]?.id ?? null;
    }
  };
  const killed = async (server: ServerProcess): Promise<void> => {
    server.process.child.kill("SIGKILL");
    expect(await server.process.exited).toMatchObject({ signal: "SIGKILL" });
  };

  it("keeps every acknowledged message through a SIGKILL while 5 clients send, and stores a retried one once", async () => {
    const [dataDir, port] = [tempDataDir(), await freePort()];
    let server = await startServerProcess(env(dataDir, port));
    const roomId = uniqueRoomId("sigkill");
    const senders = Array.from({ length: 5 }, () => client(port));
    await Promise.all(senders.map((sender, index) => sender.trpc.joinRoom.mutate({ roomId, username: `sender${index}` })));

    const acknowledged = new Map<string, string>();
    const unanswered: { sender: number; clientMessageId: string; text: string }[] = [];
    let sending = true;
    const loops = senders.map(async (sender, index) => {
      for (let count = 0; sending; count++) {
        const clientMessageId = `s${index}-${count}`;
        const text = `from ${index}: ${count}`;
        try {
          acknowledged.set(clientMessageId, (await sender.trpc.sendMessage.mutate({ roomId, text, clientMessageId })).id);
        } catch {
          // Cut off by the kill: stored or not, nobody knows; the sender will try it again.
          unanswered.push({ sender: index, clientMessageId, text });
          return;
        }
      }
    });
    await waitFor(() => acknowledged.size >= 200, "200 acknowledged sends", 30_000);
    await killed(server);
    sending = false;

    server = await startServerProcess(env(dataDir, port));
    // A send cut off by the kill either fails or is sent again by the client once it reconnects.
    await Promise.all(loops);
    // The clients reconnect by themselves and join again; each retries what it lost with the same id.
    const retried = await Promise.all(
      unanswered.map(async ({ sender, clientMessageId, text }) => {
        const message = await senders[sender]?.trpc.sendMessage.mutate({ roomId, text, clientMessageId });
        return [clientMessageId, message?.id ?? ""] as const;
      }),
    );

    const history = (await wholeHistory(client(port), roomId)).filter((message) => message.kind === "user");
    const ids = history.map((message) => message.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of acknowledged.values()) expect(ids).toContain(id);
    for (const [, id] of retried) expect(ids).toContain(id);
    expect(history).toHaveLength(acknowledged.size + retried.length);
    expect(server.process.child.exitCode).toBeNull();
  });

  it("pages back through a room of 1,000 messages after a restart, to the first, with no gap and no duplicate, and finds a word said before it", async () => {
    const [dataDir, port] = [tempDataDir(), await freePort()];
    const before = await startServerProcess(env(dataDir, port));
    const roomId = uniqueRoomId("thousand");
    const writer = client(port);
    await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
    const texts = Array.from({ length: 1000 }, (_, index) => (index === 17 ? "the albatross circles" : `message ${index}`));
    for (let start = 0; start < texts.length; start += 50) {
      await Promise.all(texts.slice(start, start + 50).map((text, offset) => writer.trpc.sendMessage.mutate({ roomId, text, clientMessageId: `m${start + offset}` })));
    }
    await killed(before);
    await startServerProcess(env(dataDir, port));

    const reader = client(port);
    const history = (await wholeHistory(reader, roomId)).filter((message) => message.kind === "user");
    expect(new Set(history.map((message) => message.id)).size).toBe(1000);
    expect(history.map((message) => message.text).sort()).toEqual([...texts].sort());
    const found = await reader.trpc.search.query({ roomId, query: "ALBATROSS" });
    expect(found.messages.map((message) => message.text)).toEqual(["the albatross circles"]);
  });

  it("resumes a reader that stayed subscribed through a SIGKILL exactly where it was, with no gap notice", async () => {
    const [dataDir, port] = [tempDataDir(), await freePort()];
    const before = await startServerProcess(env(dataDir, port));
    const roomId = uniqueRoomId("resume");
    const writer = client(port);
    await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
    const reader = collectMessages(client(port), roomId);
    await reader.started;
    for (const text of ["one", "two"]) await writer.trpc.sendMessage.mutate({ roomId, text });
    await waitFor(() => texts(reader.events).includes("two"), "the reader to see two");

    await killed(before);
    await startServerProcess(env(dataDir, port));
    await writer.trpc.sendMessage.mutate({ roomId, text: "three" });
    await waitFor(() => texts(reader.events).includes("three"), "the reader to see three after the restart");

    const history = await wholeHistory(writer, roomId);
    await waitFor(() => reader.events.length >= history.length, "the reader to have seen all the history holds");
    const seen = messagesIn(reader.events);
    expect(seen.filter((message) => message.kind === "gap")).toEqual([]);
    expect(seen.filter((message) => message.kind === "user").map((message) => message.text)).toEqual(["one", "two", "three"]);
    expect(seen.map((message) => message.id)).toEqual(history.map((message) => message.id));
  });
});
