/**
 * The outbox in a real browser: a message sent while offline shows at once as "Sending…" and is
 * stored exactly once after the reconnect; one the server refuses says so in words and offers
 * Retry and Discard.
 */
import { resolve } from "node:path";
import { MemoryBroker } from "@chat/api";
import type { ChatMessage } from "@chat/client";
import { describe, expect, it } from "vitest";
import {
  connectionStatus,
  join,
  logText,
  messageLog,
  openDroppableApp,
  occurrences,
  openApp,
  patiently,
  sendWithEnter,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

/** The user messages the server keeps for `room`, by text. */
async function storedTexts(app: TestServer, room: string): Promise<string[]> {
  return (await app.server.broker.history(room, 100)).filter((message) => message.kind === "user").map((message) => message.text);
}

/** The in-memory broker, failing the first publish of each text in `refuse` as a broken store would. */
class RefusingBroker extends MemoryBroker {
  constructor(private readonly refuse: Set<string>) {
    super();
  }

  override async publish(...args: Parameters<MemoryBroker["publish"]>): Promise<ChatMessage> {
    if (this.refuse.delete(args[1].text)) throw new Error("The message store is unavailable.");
    return super.publish(...args);
  }
}

describe.skipIf(chromiumPath === null)("the outbox", () => {
  const browser = sharedChromium();

  it("shows a message sent while offline as Sending…, then once, as sent, after the reconnect", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("outbox");
    const { page, network } = await openDroppableApp(browser(), app);
    await join(page, "alice", room);
    await expect.poll(() => connectionStatus(page).innerText(), patiently).toBe("Online");

    await network.drop();
    await expect.poll(() => connectionStatus(page).innerText(), patiently).toBe("Reconnecting…");
    await sendWithEnter(page, "sent while offline");
    await expect.poll(() => logText(page), patiently).toContain("sent while offline");
    await expect(messageLog(page).getByText("Sending…", { exact: true }).count()).resolves.toBe(1);

    await network.restore();
    await expect.poll(() => messageLog(page).getByText("Sending…", { exact: true }).count(), patiently).toBe(0);
    expect(occurrences(await logText(page), "sent while offline")).toBe(1);
    expect(await storedTexts(app, room)).toEqual(["sent while offline"]);
  });

  it("says in words that a refused message was not sent, and offers Retry and Discard", async () => {
    const broker = new RefusingBroker(new Set(["retry me", "discard me"]));
    const app = await startTestServer({}, { broker, staticDir: resolve(import.meta.dirname, "../../apps/web/dist") });
    const room = uniqueRoomId("refused");
    const page = await openApp(browser(), app);
    await join(page, "alice", room);

    await sendWithEnter(page, "retry me");
    await sendWithEnter(page, "discard me");
    const log = messageLog(page);
    await expect.poll(() => log.getByText("Not sent", { exact: true }).count(), patiently).toBe(2);
    const [retry, discard] = [log.getByRole("button", { name: "Retry" }), log.getByRole("button", { name: "Discard" })];
    expect([await retry.count(), await discard.count()]).toEqual([2, 2]);

    await retry.first().click();
    await discard.last().click();
    await expect.poll(() => log.getByText("Not sent", { exact: true }).count(), patiently).toBe(0);
    const text = await logText(page);
    expect([occurrences(text, "retry me"), occurrences(text, "discard me")]).toEqual([1, 0]);
    expect(await storedTexts(app, room)).toEqual(["retry me"]);
  });
});
