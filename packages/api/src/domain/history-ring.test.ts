import { describe, expect, it } from "vitest";
import { HistoryRing } from "./history-ring.js";

/** A ring holding `items`, each pushed under its own number as seq. */
function ringOf(capacity: number, seqs: number[]): HistoryRing<string> {
  const ring = new HistoryRing<string>(capacity);
  for (const seq of seqs) ring.push(seq, `m${seq}`);
  return ring;
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
    expect(ring.after(null)).toEqual([]);
    expect(ring.after(5)).toEqual([]);
  });

  it("keeps every item, oldest first, while under capacity", () => {
    const ring = ringOf(5, [1, 2, 3]);
    expect(ring.size).toBe(3);
    expect(ring.after(null)).toEqual(["m1", "m2", "m3"]);
  });

  it("never holds more than its capacity", () => {
    const ring = ringOf(3, [1, 2, 3, 4, 5, 6, 7]);
    expect(ring.size).toBe(3);
    expect(ring.after(null)).toHaveLength(3);
  });

  it("drops the oldest items when full, keeping the newest in order", () => {
    expect(ringOf(3, [1, 2, 3, 4]).after(null)).toEqual(["m2", "m3", "m4"]);
    expect(ringOf(3, [1, 2, 3, 4, 5, 6, 7, 8]).after(null)).toEqual(["m6", "m7", "m8"]);
  });

  it("works with a capacity of one", () => {
    const ring = ringOf(1, [4, 9]);
    expect(ring.after(null)).toEqual(["m9"]);
    expect(ring.after(4)).toEqual(["m9"]);
    expect(ring.after(9)).toEqual([]);
  });

  it("returns the newest n items oldest first from last(n)", () => {
    const ring = ringOf(4, [1, 2, 3, 4, 5, 6]);
    expect(ring.last(2)).toEqual(["m5", "m6"]);
    expect(ring.last(1)).toEqual(["m6"]);
    expect(ring.last(0)).toEqual([]);
  });

  it("returns everything retained from last(n) when n exceeds the size", () => {
    expect(ringOf(10, [1, 2, 3]).last(50)).toEqual(["m1", "m2", "m3"]);
    expect(ringOf(3, [1, 2, 3, 4, 5]).last(50)).toEqual(["m3", "m4", "m5"]);
  });

  it("returns from after(seq) exactly the items with a greater seq, even when seqs skip numbers", () => {
    // Seqs come from one counter shared by every room, so a room sees gaps.
    const ring = ringOf(10, [3, 7, 8, 15, 40]);
    expect(ring.after(3)).toEqual(["m7", "m8", "m15", "m40"]);
    expect(ring.after(7)).toEqual(["m8", "m15", "m40"]);
    expect(ring.after(15)).toEqual(["m40"]);
  });

  it("returns everything retained from after(seq) when no item has that seq, as it cannot place the reader", () => {
    const ring = ringOf(10, [3, 7, 8, 15, 40]);
    expect(ring.after(10)).toEqual(["m3", "m7", "m8", "m15", "m40"]);
    expect(ring.after(39)).toEqual(["m3", "m7", "m8", "m15", "m40"]);
    expect(ring.after(8)).toEqual(["m15", "m40"]);
  });

  it("returns everything from after(null)", () => {
    expect(ringOf(4, [2, 4, 6]).after(null)).toEqual(["m2", "m4", "m6"]);
  });

  it("returns everything retained from after(seq) when seq has already been dropped", () => {
    const ring = ringOf(3, [10, 20, 30, 40, 50]);
    expect(ring.after(10)).toEqual(["m30", "m40", "m50"]);
    expect(ring.after(0)).toEqual(["m30", "m40", "m50"]);
  });

  it("returns nothing from after(seq) when seq is the newest", () => {
    expect(ringOf(3, [10, 20, 30, 40]).after(40)).toEqual([]);
  });

  it("returns everything retained from after(seq) for a seq newer than any it holds", () => {
    expect(ringOf(3, [10, 20, 30, 40]).after(99)).toEqual(["m20", "m30", "m40"]);
  });

  it("finds positions correctly after the ring has wrapped many times", () => {
    const seqs = Array.from({ length: 23 }, (_, index) => index * 3 + 1);
    const ring = ringOf(5, seqs);
    const retained = seqs.slice(-5);
    for (const [index, seq] of retained.entries()) {
      expect(ring.after(seq)).toEqual(retained.slice(index + 1).map((s) => `m${s}`));
    }
  });

  it("places nothing it cannot: resume(seq) is undefined for a dropped seq, or one among or past the held ones", () => {
    const ring = ringOf(3, [10, 20, 30, 40, 50]);
    expect(ring.resume(10)).toBeUndefined();
    expect(ring.resume(15)).toBeUndefined();
    expect(ring.resume(35)).toBeUndefined();
    expect(ring.resume(99)).toBeUndefined();
    expect(ring.resume(40)).toEqual(["m50"]);
  });

  it("keeps as floor the newest dropped seq, and resumes from anywhere between it and the oldest held as from before all", () => {
    const ring = ringOf(3, [10, 20, 30, 40, 50]);
    expect(ring.floor).toBe(20);
    expect(ring.resume(20)).toEqual(["m30", "m40", "m50"]);
    expect(ring.resume(25)).toEqual(["m30", "m40", "m50"]);
    expect(ring.resume(19)).toBeUndefined();
  });

  it("starts its floor where it is told, so a seq from before the ring began cannot be placed", () => {
    const ring = new HistoryRing<string>(3, 7);
    expect(ring.floor).toBe(7);
    expect(ring.resume(7)).toEqual([]);
    expect(ring.resume(6)).toBeUndefined();
    ring.push(9, "m9");
    expect(ring.resume(7)).toEqual(["m9"]);
    expect(ring.resume(8)).toEqual(["m9"]);
    expect(ringOf(2, []).floor).toBe(0);
  });
});
