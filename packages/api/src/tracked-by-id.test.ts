import { isTrackedEnvelope } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { EventQueue } from "./domain/event-queue.js";
import { mapErrors, trackedById } from "./tracked-by-id.js";

/** Wraps a failure, so a test can tell the mapped error from the source's. */
const wrap = (error: unknown): Error => new Error("mapped", { cause: error });

describe("trackedById", () => {
  it("yields each item as a tracked envelope of its id, in order, then ends with the source", async () => {
    const source = new EventQueue<{ id: string; text: string }>(() => undefined);
    source.push({ id: "a", text: "one" });
    source.push({ id: "b", text: "two" });
    source.close();
    const seen: unknown[] = [];
    for await (const envelope of trackedById(source, wrap)) {
      expect(isTrackedEnvelope(envelope)).toBe(true);
      seen.push([envelope[0], envelope[1]]);
    }
    expect(seen).toEqual([
      ["a", { id: "a", text: "one" }],
      ["b", { id: "b", text: "two" }],
    ]);
  });

  it("passes return() on, so the source detaches when the subscription stops", async () => {
    let detached = 0;
    const source = new EventQueue<{ id: string }>(() => detached++);
    const stream = trackedById(source, wrap);
    const pending = stream.next();
    await stream.return?.();
    expect(detached).toBe(1);
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it("pushes tracked envelopes through when the source can push, and ends with it", () => {
    const source = new EventQueue<{ id: string }>(() => undefined);
    source.push({ id: "a" });
    const stream = trackedById(source, wrap);
    const seen: unknown[] = [];
    let ended = false;
    expect(stream.listen).toBeTypeOf("function");
    stream.listen?.({
      onValue: (envelope) => {
        expect(isTrackedEnvelope(envelope)).toBe(true);
        seen.push(envelope[0]);
      },
      onEnd: () => {
        ended = true;
      },
    });
    source.push({ id: "b" });
    source.close();
    expect({ seen, ended }).toEqual({ seen: ["a", "b"], ended: true });
  });

  it("cannot be pushed to when its source cannot", () => {
    const source: AsyncIterable<{ id: string }> = { [Symbol.asyncIterator]: () => new EventQueue<{ id: string }>(() => undefined) };
    expect(trackedById(source, wrap).listen).toBeUndefined();
  });

  it("gives every pushed reader of the same item the same envelope, and a new item a new one", () => {
    const sources = [new EventQueue<{ id: string }>(() => undefined), new EventQueue<{ id: string }>(() => undefined)];
    const seen: unknown[][] = [[], []];
    sources.forEach((source, index) => trackedById(source, wrap).listen?.({ onValue: (envelope) => seen[index]?.push(envelope), onEnd: () => undefined }));
    const first = { id: "a" };
    const second = { id: "b" };
    for (const item of [first, second]) for (const source of sources) source.push(item);
    expect(seen[0]?.[0]).toBe(seen[1]?.[0]);
    expect(seen[0]?.[1]).toBe(seen[1]?.[1]);
    expect(seen[0]?.[0]).not.toBe(seen[0]?.[1]);
    expect(seen[0]?.map((envelope) => (envelope as unknown[])[1])).toEqual([first, second]);
  });

  it("tracks an item that is not frozen afresh each time, with its id as it is now", async () => {
    const item = { id: "a" };
    async function* twice(): AsyncGenerator<{ id: string }> {
      yield item;
      item.id = "b";
      yield item;
    }
    const stream = trackedById(twice(), wrap);
    expect((await stream.next()).value?.[0]).toBe("a");
    expect((await stream.next()).value?.[0]).toBe("b");
  });

  it("hands a failed source's error on mapped, to a puller after what came before, and to a pushed listener", async () => {
    const broken = new Error("the store is away");
    const pulled = new EventQueue<{ id: string }>(() => undefined);
    pulled.push({ id: "a" });
    pulled.fail(broken);
    const stream = trackedById(pulled, wrap);
    expect((await stream.next()).value?.[0]).toBe("a");
    await expect(stream.next()).rejects.toMatchObject({ message: "mapped", cause: broken });

    const pushed = new EventQueue<{ id: string }>(() => undefined);
    const ends: unknown[] = [];
    mapErrors(pushed, wrap).listen?.({ onValue: () => undefined, onEnd: (failure) => ends.push(failure) });
    pushed.fail(broken);
    expect(ends).toEqual([{ error: new Error("mapped", { cause: broken }) }]);
  });

  it("passes items through mapErrors as they are, and ends plainly when the source does", async () => {
    const source = new EventQueue<{ id: string }>(() => undefined);
    const item = { id: "a" };
    source.push(item);
    source.close();
    const stream = mapErrors(source, wrap);
    expect(await stream.next()).toEqual({ done: false, value: item });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
