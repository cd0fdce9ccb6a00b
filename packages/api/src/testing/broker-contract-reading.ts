/**
 * The reading half of the broker contract: scrolling back through a room's history a page at a
 * time, and searching its messages, alike in every store.
 */
import { describe, expect, it } from "vitest";
import type { ChatBroker } from "../domain/broker.js";
import { ChatError } from "../domain/errors.js";
import type { RoomId } from "../schema.js";
import { type BrokerHarness, draft, idsOf, textsOf } from "./broker-harness.js";

/** Takes the harness, like every section, so all share one broker per test. */
export function describeReadingContract(harness: BrokerHarness): void {
  const { newRoom, publishAll } = harness;

  /** Every page from the newest back, `limit` at a time, as a client scrolling to the top reads them. */
  const pageBack = async (broker: ChatBroker, roomId: RoomId, limit: number): Promise<string[][]> => {
    const pages: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const page = await broker.historyPage(roomId, before, limit);
      pages.push(textsOf(page.messages));
      if (!page.hasMore) return pages;
      before = page.messages[0]?.id ?? null;
      if (before === null) throw new Error("A page that says hasMore must hold a message to page on from.");
    }
  };

  /** What a refused call rejected with. */
  const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (error: unknown) => error);

  describe("history pages", () => {
    it("pages back from the newest message to the first with no gap and no duplicate, each page oldest first", async () => {
      const roomId = newRoom();
      const texts = Array.from({ length: 23 }, (_, index) => `m${index}`);
      await publishAll(roomId, "alice", texts);
      const pages = await pageBack(harness.broker, roomId, 10);
      expect(pages).toEqual([texts.slice(13), texts.slice(3, 13), texts.slice(0, 3)]);
    });

    it("returns the newest messages when not told where to start, and whether older ones remain", async () => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["a", "b", "c"]);
      expect(await harness.broker.historyPage(roomId, null, 2)).toEqual({ messages: published.slice(1), hasMore: true });
      expect(await harness.broker.historyPage(roomId, null, 3)).toEqual({ messages: published, hasMore: false });
      expect(await harness.broker.historyPage(roomId, published[1]?.id ?? "", 5)).toEqual({ messages: published.slice(0, 1), hasMore: false });
    });

    it("returns an empty last page for a room with no messages, and before its first message", async () => {
      const roomId = newRoom();
      expect(await harness.broker.historyPage(roomId, null, 10)).toEqual({ messages: [], hasMore: false });
      const [first] = await publishAll(roomId, "alice", ["first"]);
      expect(await harness.broker.historyPage(roomId, first?.id ?? "", 10)).toEqual({ messages: [], hasMore: false });
    });

    it("refuses with UNKNOWN_MESSAGE a page before an id the room does not hold: garbage, or another room's", async () => {
      const [roomId, otherRoom] = [newRoom(), newRoom()];
      await publishAll(roomId, "alice", ["here"]);
      const [elsewhere] = await publishAll(otherRoom, "bob", ["there"]);
      for (const before of ["garbage", "", elsewhere?.id ?? "", "0-0"]) {
        const error = await refusal(harness.broker.historyPage(roomId, before, 10));
        expect(error, `before ${JSON.stringify(before)}`).toBeInstanceOf(ChatError);
        expect(error).toMatchObject({ reason: "UNKNOWN_MESSAGE" });
      }
    });

    it("pages back to the first message the room retains, and refuses an id it no longer holds", async () => {
      const roomId = newRoom();
      const small = await harness.extraBroker(harness.clock, { historySize: 3 });
      const published: string[] = [];
      for (const text of ["1", "2", "3", "4", "5"]) published.push((await small.publish(roomId, draft("alice", text))).id);
      expect(await pageBack(small, roomId, 2)).toEqual([["4", "5"], ["3"]]);
      expect(await refusal(small.historyPage(roomId, published[0] ?? "", 2))).toMatchObject({ reason: "UNKNOWN_MESSAGE" });
    });

    it("includes the room's system lines, as the join's history does", async () => {
      const roomId = newRoom();
      await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
      await publishAll(roomId, "alice", ["hi"]);
      const page = await harness.broker.historyPage(roomId, null, 10);
      expect(page.messages.map((message) => message.kind)).toEqual(["system", "user"]);
      expect(idsOf(page.messages)).toEqual(idsOf(await harness.broker.history(roomId, 10)));
    });
  });

  describe("search", () => {
    it("finds the room's user messages holding every word of the query, newest first, up to the limit", async () => {
      const [roomId, otherRoom] = [newRoom(), newRoom()];
      await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined the lunch room" });
      await publishAll(roomId, "alice", ["lunch at noon?", "Lunch is late today", "dinner at eight", "no LUNCH for me, late meeting"]);
      await publishAll(otherRoom, "bob", ["lunch elsewhere"]);
      expect(textsOf(await harness.broker.search(roomId, "lunch", 10))).toEqual(["no LUNCH for me, late meeting", "Lunch is late today", "lunch at noon?"]);
      expect(textsOf(await harness.broker.search(roomId, "late lunch", 10))).toEqual(["no LUNCH for me, late meeting", "Lunch is late today"]);
      expect(textsOf(await harness.broker.search(roomId, "lunch", 1))).toEqual(["no LUNCH for me, late meeting"]);
      expect(await harness.broker.search(roomId, "breakfast", 10)).toEqual([]);
    });

    it("matches the beginnings of words, whatever their case and accents", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["Réunion à Zürich", "reunification", "the union"]);
      expect(textsOf(await harness.broker.search(roomId, "REUN", 10))).toEqual(["reunification", "Réunion à Zürich"]);
      expect(textsOf(await harness.broker.search(roomId, "zurich reunion", 10))).toEqual(["Réunion à Zürich"]);
      expect(textsOf(await harness.broker.search(roomId, "nion", 10))).toEqual([]);
    });

    it("searches a query of quotes, stars, NEAR(, minus signs and AND as words, never as syntax", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["salt AND pepper", "near the sea", "minus-two degrees", "plain"]);
      for (const query of ['"', '"""', "*", "NEAR(", "NEAR(a b, 2)", "-", "- -x", "AND", "OR", "NOT", "a:b", "^", "{x}", "(", ")", "'", "\\"]) {
        await expect(harness.broker.search(roomId, query, 10), `query ${JSON.stringify(query)}`).resolves.toBeInstanceOf(Array);
      }
      expect(textsOf(await harness.broker.search(roomId, "AND", 10))).toEqual(["salt AND pepper"]);
      expect(textsOf(await harness.broker.search(roomId, "NEAR(", 10))).toEqual(["near the sea"]);
      expect(textsOf(await harness.broker.search(roomId, '"minus -two"', 10))).toEqual(["minus-two degrees"]);
      expect(await harness.broker.search(roomId, '*"-', 10)).toEqual([]);
    });
  });
}
