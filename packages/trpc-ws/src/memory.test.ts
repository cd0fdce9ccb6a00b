/**
 * tRPC's #6156, on both of the transport's paths: an event it has sent must not stay reachable
 * from its subscription, whether the stream was pushed to (a broker's) or pulled (any async
 * iterable), or a subscription's memory grows with every event it ever sent.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tracked } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { at, isObject, type Note, RawClient, request, resultOf, startServer } from "./testing/transport-harness.js";

// Vitest does not pass `--expose-gc`; a context made after setting the flag has a `gc` that collects the whole heap.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Waits for the turn's end, when the transport lets go of a fan-out's shared frame. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether `frame` is the data event of subscription 1 that carries `text`. */
const carries = (text: string) => (frame: unknown) =>
  resultOf(1, "data")(frame) && isObject(frame) && JSON.stringify(frame.result).includes(text);

describe("memory of sent events (tRPC #6156)", () => {
  it("keeps no pushed event reachable once it is sent, frozen (and so shared) or not", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    const sent = ["a", "b", "c", "d"].map((text, index) => {
      const note: Note = { text: `${text}${"x".repeat(1024)}`, at };
      if (index % 2 === 0) Object.freeze(note);
      server.feed.emit(tracked(text, note));
      return new WeakRef(note);
    });
    await raw.waitFor(carries(`d${"x".repeat(10)}`));
    await nextTurn();
    gc();
    expect(sent.map((ref) => ref.deref())).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("keeps no pulled event reachable once it is sent", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "echoes"));
    await raw.waitFor(resultOf(1, "started"));
    const sent = ["a", "b", "c"].map((text) => {
      const note: Note = { text: `${text}${"x".repeat(1024)}`, at };
      server.echoes.emit("data", note);
      return new WeakRef(note);
    });
    await raw.waitFor(carries(`c${"x".repeat(10)}`));
    await nextTurn();
    gc();
    expect(sent.map((ref) => ref.deref())).toEqual([undefined, undefined, undefined]);
  });
});
