import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue.js";

/** A queue that counts how often its onClose ran. */
function countingQueue<T>(): { queue: EventQueue<T>; closes: () => number } {
  let closes = 0;
  const queue = new EventQueue<T>(() => {
    closes++;
  });
  return { queue, closes: () => closes };
}

describe("EventQueue", () => {
  it("delivers buffered values in the order they were pushed", async () => {
    const { queue } = countingQueue<number>();
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(queue.pending).toBe(3);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: 3, done: false });
    expect(queue.pending).toBe(0);
  });

  it("resolves a pending next() with the next value pushed", async () => {
    const { queue } = countingQueue<string>();
    const pending = queue.next();
    queue.push("hello");
    queue.push("world");
    expect(await pending).toEqual({ value: "hello", done: false });
    expect(await queue.next()).toEqual({ value: "world", done: false });
  });

  it("is its own async iterator, so for await drains it", async () => {
    const { queue } = countingQueue<number>();
    queue.push(1);
    queue.push(2);
    queue.close();
    const seen: number[] = [];
    for await (const value of queue) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  it("runs onClose once and ends iteration when the consumer returns", async () => {
    const { queue, closes } = countingQueue<number>();
    queue.push(1);
    expect(await queue.return()).toEqual({ value: undefined, done: true });
    expect(closes()).toBe(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.return();
    queue.close();
    expect(closes()).toBe(1);
  });

  it("runs onClose when a for await loop breaks", async () => {
    const { queue, closes } = countingQueue<number>();
    queue.push(1);
    queue.push(2);
    for await (const value of queue) {
      expect(value).toBe(1);
      break;
    }
    expect(closes()).toBe(1);
  });

  it("ignores values pushed after it ended", async () => {
    const { queue } = countingQueue<number>();
    queue.close();
    queue.push(1);
    expect(queue.pending).toBe(0);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it("lets the consumer drain what was buffered before close(), then ends", async () => {
    const { queue, closes } = countingQueue<number>();
    queue.push(1);
    queue.close();
    expect(closes()).toBe(1);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it("ends a pending next() when it closes", async () => {
    const { queue } = countingQueue<number>();
    const pending = queue.next();
    queue.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it("ends when the signal given to closeOn aborts", async () => {
    const { queue, closes } = countingQueue<number>();
    const controller = new AbortController();
    queue.closeOn(controller.signal);
    const pending = queue.next();
    expect(closes()).toBe(0);
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closes()).toBe(1);
  });

  it("closes at once when closeOn is given an already aborted signal", async () => {
    const { queue, closes } = countingQueue<number>();
    expect(queue.closeOn(AbortSignal.abort())).toBe(queue);
    expect(closes()).toBe(1);
    queue.push(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it("runs onClose only once when the consumer returns and the signal aborts later", async () => {
    const { queue, closes } = countingQueue<number>();
    const controller = new AbortController();
    queue.closeOn(controller.signal);
    await queue.return();
    controller.abort();
    expect(closes()).toBe(1);
  });

  it("stops listening to its signal once it has ended, so a long-lived signal collects no listeners", async () => {
    const shutdown = new AbortController();
    for (let stream = 0; stream < 20; stream++) {
      const { queue } = countingQueue<number>();
      queue.closeOn(shutdown.signal);
      await queue.return();
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
  });

  describe("listen", () => {
    it("hands over what waits at once, then each value as it is pushed, in order", () => {
      const { queue } = countingQueue<number>();
      queue.push(1);
      queue.push(2);
      const seen: number[] = [];
      queue.listen({ onValue: (value) => seen.push(value), onEnd: () => seen.push(-1) });
      expect(seen).toEqual([1, 2]);
      queue.push(3);
      expect(seen).toEqual([1, 2, 3]);
      expect(queue.pending).toBe(0);
    });

    it("keeps the order when the sink itself pushes while the waiting values are handed over", () => {
      const { queue } = countingQueue<number>();
      queue.push(1);
      queue.push(2);
      const seen: number[] = [];
      queue.listen({
        onValue: (value) => {
          seen.push(value);
          if (value === 1) queue.push(3);
        },
        onEnd: () => undefined,
      });
      expect(seen).toEqual([1, 2, 3]);
    });

    it("calls onEnd once when the queue closes, runs onClose, and hands over nothing after", () => {
      const { queue, closes } = countingQueue<number>();
      const seen: number[] = [];
      let ends = 0;
      queue.listen({ onValue: (value) => seen.push(value), onEnd: () => ends++ });
      queue.close();
      queue.close();
      queue.push(1);
      expect({ seen, ends, closes: closes() }).toEqual({ seen: [], ends: 1, closes: 1 });
    });

    it("ends a listener at once on a queue that has already ended, after what it held", () => {
      const { queue } = countingQueue<number>();
      queue.push(1);
      queue.close();
      const seen: number[] = [];
      queue.listen({ onValue: (value) => seen.push(value), onEnd: () => seen.push(-1) });
      expect(seen).toEqual([1, -1]);
    });

    it("ends the listener when the signal given to closeOn aborts", () => {
      const { queue } = countingQueue<number>();
      const controller = new AbortController();
      queue.closeOn(controller.signal);
      let ended = false;
      queue.listen({
        onValue: () => undefined,
        onEnd: () => {
          ended = true;
        },
      });
      controller.abort();
      expect(ended).toBe(true);
    });
  });
});
