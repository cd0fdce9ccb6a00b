import { describe, expect, it } from "vitest";
import { HistoryRing } from "./history-ring.js";

/** A ring holding `items`, each pushed under its own number as seq. */
function ringOf(capacity: number, seqs: number[]): HistoryRing<string> {
  const ring = new HistoryRing<string>(capacity);
  for (const seq of seqs) ring.push(seq, `m${seq}`);
  return ring;
}

/** What a reader positioned at `seq` is owed, or `undefined` when the ring cannot place it. */
function after(ring: HistoryRing<string>, seq: number): string[] | undefined {
  const index = ring.indexAfter(seq);
  return index === undefined ? undefined : ring.from(index);
}

describe("HistoryRing", () => {
  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new HistoryRing(0)).toThrow(RangeError);
    expect(() => new HistoryRing(-1)).toThrow(RangeError);
    expect(() => new HistoryRing(1.5)).toThrow(RangeError);
  });

  it("is empty until something is pushed", () => {
    const ring = new HistoryRing<string>(3);
    expect(ring.size).toBe(0);
    expect(ring.last(10)).toEqual([]);
    expect(ring.from(0)).toEqual([]);
    expect(after(ring, 5)).toEqual([]);
  });

  it("keeps every item, oldest first, while under capacity", () => {
    const ring = ringOf(5, [1, 2, 3]);
    expect(ring.size).toBe(3);
    expect(ring.from(0)).toEqual(["m1", "m2", "m3"]);
  });

  it("never holds more than its capacity, and hands back what each push dropped", () => {
    const ring = new HistoryRing<string>(3);
    const dropped = [1, 2, 3, 4, 5, 6, 7].map((seq) => ring.push(seq, `m${seq}`));
    expect(ring.size).toBe(3);
    expect(dropped).toEqual([undefined, undefined, undefined, "m1", "m2", "m3", "m4"]);
  });

  it("drops the oldest items when full, keeping the newest in order", () => {
    expect(ringOf(3, [1, 2, 3, 4]).from(0)).toEqual(["m2", "m3", "m4"]);
    expect(ringOf(3, [1, 2, 3, 4, 5, 6, 7, 8]).from(0)).toEqual(["m6", "m7", "m8"]);
  });

  it("works with a capacity of one", () => {
    const ring = ringOf(1, [4, 9]);
    expect(ring.from(0)).toEqual(["m9"]);
    expect(after(ring, 4)).toEqual(["m9"]);
    expect(after(ring, 9)).toEqual([]);
  });

  it("returns the newest n items oldest first from last(n), everything when n exceeds the size", () => {
    const ring = ringOf(4, [1, 2, 3, 4, 5, 6]);
    expect(ring.last(2)).toEqual(["m5", "m6"]);
    expect(ring.last(0)).toEqual([]);
    expect(ringOf(10, [1, 2, 3]).last(50)).toEqual(["m1", "m2", "m3"]);
  });

  it("places a reader after exactly the items with a greater seq, even when seqs skip numbers", () => {
    // Seqs come from one counter shared by every room, so a room sees gaps.
    const ring = ringOf(10, [3, 7, 8, 15, 40]);
    expect(after(ring, 3)).toEqual(["m7", "m8", "m15", "m40"]);
    expect(after(ring, 15)).toEqual(["m40"]);
    expect(after(ring, 40)).toEqual([]);
  });

  it("places nothing it cannot: a dropped seq, or one among or past the held ones", () => {
    const ring = ringOf(3, [10, 20, 30, 40, 50]);
    for (const seq of [10, 15, 35, 99]) expect(ring.indexAfter(seq)).toBeUndefined();
    expect(after(ring, 40)).toEqual(["m50"]);
  });

  it("finds positions correctly after the ring has wrapped many times", () => {
    const seqs = Array.from({ length: 23 }, (_, index) => index * 3 + 1);
    const ring = ringOf(5, seqs);
    const retained = seqs.slice(-5);
    for (const [index, seq] of retained.entries()) {
      expect(after(ring, seq)).toEqual(retained.slice(index + 1).map((s) => `m${s}`));
    }
  });

  it("keeps as floor the newest dropped seq, and places anything between it and the oldest held before all", () => {
    const ring = ringOf(3, [10, 20, 30, 40, 50]);
    expect(ring.floor).toBe(20);
    expect(after(ring, 20)).toEqual(["m30", "m40", "m50"]);
    expect(after(ring, 25)).toEqual(["m30", "m40", "m50"]);
    expect(ring.indexAfter(19)).toBeUndefined();
  });

  it("starts its floor where it is told, so a seq from before the ring began cannot be placed", () => {
    const ring = new HistoryRing<string>(3, 7);
    expect(ring.floor).toBe(7);
    expect(after(ring, 7)).toEqual([]);
    expect(ring.indexAfter(6)).toBeUndefined();
    ring.push(9, "m9");
    expect(after(ring, 8)).toEqual(["m9"]);
    expect(ringOf(2, []).floor).toBe(0);
  });

  it("drops the oldest item on shift(), moving the floor to it, and keeps placing readers", () => {
    const ring = ringOf(5, [10, 20, 30, 40]);
    expect(ring.shift()).toBe("m10");
    expect(ring.shift()).toBe("m20");
    expect(ring.floor).toBe(20);
    expect(ring.from(0)).toEqual(["m30", "m40"]);
    expect(ring.indexAfter(10)).toBeUndefined();
    expect(after(ring, 20)).toEqual(["m30", "m40"]);
    // Grows again past where it was shifted, in order.
    for (const seq of [50, 60, 70]) ring.push(seq, `m${seq}`);
    expect(ring.from(0)).toEqual(["m30", "m40", "m50", "m60", "m70"]);
    expect(ringOf(2, []).shift()).toBeUndefined();
  });

  it("names the position just before the newest n items, from which exactly those follow", () => {
    const ring = ringOf(10, [3, 7, 8, 15, 40]);
    expect(ring.positionBefore(2)).toBe(8);
    expect(after(ring, ring.positionBefore(2))).toEqual(["m15", "m40"]);
    expect(ring.positionBefore(5)).toBe(0);
    expect(ring.positionBefore(50)).toBe(0);
    expect(ringOf(3, [10, 20, 30, 40]).positionBefore(3)).toBe(10);
  });
});
