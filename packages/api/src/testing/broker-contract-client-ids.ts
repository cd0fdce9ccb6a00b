/**
 * The exactly-once half of the broker contract: what `publish` does with a `clientMessageId` it
 * has seen, for whom, for how long, and when `admit` is asked. Time moves only by the harness's
 * clock, so expiry is judged by the broker's own clock.
 */
import { describe, expect, it } from "vitest";
import { CLIENT_MESSAGE_ID_TTL_MS } from "../schema.js";
import { type BrokerHarness, draft, readUntilText, textsOf } from "./broker-harness.js";

/** Takes the harness, not a factory, so all sections share one broker per test and one set of hooks. */
export function describeClientIdContract(harness: BrokerHarness): void {
  const { newRoom, subscribe } = harness;
  const once = { clientMessageId: "c0ffee-1" };

  describe("publishing with a clientMessageId", () => {
    it("returns the stored message and stores and fans out nothing when its author publishes the same id again", async () => {
      const roomId = newRoom();
      const stream = subscribe(roomId);
      const first = await harness.broker.publish(roomId, draft("alice", "hello"), once);
      const again = await harness.broker.publish(roomId, draft("alice", "hello, edited"), once);
      await harness.broker.publish(roomId, draft("alice", "end"));
      expect(again).toEqual(first);
      expect(await readUntilText(stream, "end")).toEqual([first, expect.objectContaining({ text: "end" })]);
      expect(textsOf(await harness.broker.history(roomId, 10))).toEqual(["hello", "end"]);
    });

    it("stores one message when two publishes with the same id are in flight at once", async () => {
      const roomId = newRoom();
      const [first, second] = await Promise.all([
        harness.broker.publish(roomId, draft("alice", "hello"), once),
        harness.broker.publish(roomId, draft("alice", "hello"), once),
      ]);
      expect(second).toEqual(first);
      expect(await harness.broker.history(roomId, 10)).toEqual([first]);
    });

    it("keeps ids apart by author and by room, so nobody gets another person's message back", async () => {
      const roomId = newRoom();
      const otherRoom = newRoom();
      const alices = await harness.broker.publish(roomId, draft("alice", "from alice"), once);
      const bobs = await harness.broker.publish(roomId, draft("bob", "from bob"), once);
      const elsewhere = await harness.broker.publish(otherRoom, draft("alice", "elsewhere"), once);
      expect(bobs).toMatchObject({ username: "bob", text: "from bob" });
      expect(elsewhere).toMatchObject({ roomId: otherRoom, text: "elsewhere" });
      expect(new Set([alices.id, bobs.id, elsewhere.id]).size).toBe(3);
      expect(await harness.broker.publish(roomId, draft("alice", "retry"), once)).toEqual(alices);
      expect(textsOf(await harness.broker.history(roomId, 10))).toEqual(["from alice", "from bob"]);
    });

    it("stores the message again once CLIENT_MESSAGE_ID_TTL_MS has passed since it was stored", async () => {
      const roomId = newRoom();
      const first = await harness.broker.publish(roomId, draft("alice", "hello"), once);
      harness.clock.advance(CLIENT_MESSAGE_ID_TTL_MS - 1);
      expect(await harness.broker.publish(roomId, draft("alice", "hello"), once)).toEqual(first);
      harness.clock.advance(1);
      const later = await harness.broker.publish(roomId, draft("alice", "hello"), once);
      expect(later.id).not.toBe(first.id);
      expect(await harness.broker.history(roomId, 10)).toEqual([first, later]);
    });

    it("asks admit once for a new message and never for a replay", async () => {
      const roomId = newRoom();
      let admitted = 0;
      const admit = (): void => void admitted++;
      await harness.broker.publish(roomId, draft("alice", "hello"), { ...once, admit });
      await harness.broker.publish(roomId, draft("alice", "hello"), { ...once, admit });
      await Promise.all([1, 2].map(() => harness.broker.publish(roomId, draft("alice", "hello"), { ...once, admit })));
      expect(admitted).toBe(1);
      await harness.broker.publish(roomId, draft("alice", "no id"), { admit });
      expect(admitted).toBe(2);
    });

    it("stores nothing and leaves the id free when admit refuses", async () => {
      const roomId = newRoom();
      const refusal = new Error("too fast");
      const refuse = (): void => {
        throw refusal;
      };
      await expect(harness.broker.publish(roomId, draft("alice", "hello"), { ...once, admit: refuse })).rejects.toBe(refusal);
      expect(await harness.broker.history(roomId, 10)).toEqual([]);
      const stored = await harness.broker.publish(roomId, draft("alice", "hello"), once);
      expect(await harness.broker.history(roomId, 10)).toEqual([stored]);
    });

    it("never deduplicates publishes without an id, however alike", async () => {
      const roomId = newRoom();
      await harness.broker.publish(roomId, draft("alice", "same"));
      await harness.broker.publish(roomId, draft("alice", "same"), {});
      expect(textsOf(await harness.broker.history(roomId, 10))).toEqual(["same", "same"]);
    });
  });
}
