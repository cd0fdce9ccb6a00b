/**
 * Differential scenarios of subscriptions: generators and Observables that end, fail, are stopped,
 * or yield what is awkward to send. Each runs on tRPC's adapter and ours; the transcripts must be equal.
 */
import { initTRPC, tracked, TRPCError } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import superjson from "superjson";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { differential, request } from "./differential.js";

vi.setConfig({ testTimeout: 30_000 });

/** Resolves when the signal aborts: a subscription that waits for its client to stop it. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

const t = initTRPC.create({ isDev: false });
const router = t.router({
  count: t.procedure.input(z.object({ to: z.number() })).subscription(async function* ({ input }) {
    for (let n = 1; n <= input.to; n++) yield n;
  }),
  forever: t.procedure.subscription(async function* ({ signal }) {
    yield "first";
    await aborted(signal);
  }),
  throwsAfterOne: t.procedure.subscription(async function* () {
    yield "one";
    throw new TRPCError({ code: "CONFLICT", message: "after one" });
  }),
  throwsBeforeStart: t.procedure.subscription(() => {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "not you" });
  }),
  observes: t.procedure.subscription(() =>
    observable<number>((emit) => {
      emit.next(1);
      emit.next(2);
      emit.complete();
      return () => undefined;
    }),
  ),
  observesError: t.procedure.subscription(() =>
    observable<number>((emit) => {
      emit.next(1);
      emit.error(new TRPCError({ code: "PRECONDITION_FAILED", message: "observed" }));
      return () => undefined;
    }),
  ),
  notIterable: t.procedure.subscription(() => 42 as unknown as AsyncIterable<number>),
  yieldsUndefined: t.procedure.subscription(async function* () {
    yield undefined;
  }),
  sameTwice: t.procedure.subscription(async function* () {
    const state = { n: 1 };
    yield state;
    state.n = 2;
    yield state;
  }),
  bigint: t.procedure.subscription(async function* () {
    yield 1n;
  }),
});

const sj = initTRPC.create({ isDev: false, transformer: superjson });
const events = ["a", "b", "c", "d"];
const sjRouter = sj.router({
  tracked: sj.procedure.input(z.object({ lastEventId: z.string().nullish() })).subscription(async function* ({ input }) {
    const from = input.lastEventId ? events.indexOf(input.lastEventId) + 1 : 0;
    for (const id of events.slice(from)) yield tracked(id, { id, at: new Date(Date.UTC(2024, 0, events.indexOf(id) + 1)) });
  }),
});

describe("differential: subscriptions", () => {
  it("runs an async generator: started, each value, stopped", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "count", { to: 3 }, "2.0"));
        await c.frames(5);
      },
    });
    expect(trpc.frames).toEqual([
      { id: 1, jsonrpc: "2.0", result: { type: "started" } },
      { id: 1, jsonrpc: "2.0", result: { type: "data", data: 1 } },
      { id: 1, jsonrpc: "2.0", result: { type: "data", data: 2 } },
      { id: 1, jsonrpc: "2.0", result: { type: "data", data: 3 } },
      { id: 1, jsonrpc: "2.0", result: { type: "stopped" } },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("sends tracked events with their ids, resuming after the lastEventId given in the input", async () => {
    const { trpc, ours } = await differential({
      router: sjRouter,
      async script(c) {
        c.send(request("t", "subscription", "tracked", superjson.serialize({ lastEventId: "b" })));
        await c.frames(4);
      },
    });
    expect(trpc.frames).toHaveLength(4);
    expect(trpc.frames[1]).toMatchObject({ id: "t", result: { type: "data", id: "c" } });
    expect(trpc.frames[2]).toMatchObject({ id: "t", result: { type: "data", id: "d" } });
    expect(ours).toEqual(trpc);
  });

  it("ends a subscription on subscription.stop mid-stream with stopped", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(7, "subscription", "forever"));
        await c.frames(2);
        c.send({ id: 7, method: "subscription.stop" });
        await c.frames(3);
      },
    });
    expect(trpc.frames).toEqual([
      { id: 7, result: { type: "started" } },
      { id: 7, result: { type: "data", data: "first" } },
      { id: 7, result: { type: "stopped" } },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("reports a generator that throws after one event: data, error, stopped", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "throwsAfterOne"));
        await c.frames(4);
      },
    });
    expect(trpc.frames[1]).toEqual({ id: 1, result: { type: "data", data: "one" } });
    expect(trpc.frames[2]).toMatchObject({ id: 1, error: { message: "after one", data: { code: "CONFLICT" } } });
    expect(trpc.frames[3]).toEqual({ id: 1, result: { type: "stopped" } });
    expect(ours).toEqual(trpc);
  });

  it("answers a subscription that throws before starting with its error", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "throwsBeforeStart"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "UNAUTHORIZED", path: "throwsBeforeStart" } } });
    expect(trpc.errors).toEqual([{ code: "UNAUTHORIZED", type: "subscription", path: "throwsBeforeStart" }]);
    expect(ours).toEqual(trpc);
  });

  it("runs an Observable that emits then completes", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "observes"));
        await c.frames(4);
      },
    });
    expect(trpc.frames).toEqual([
      { id: 1, result: { type: "started" } },
      { id: 1, result: { type: "data", data: 1 } },
      { id: 1, result: { type: "data", data: 2 } },
      { id: 1, result: { type: "stopped" } },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("reports an Observable that errors", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "observesError"));
        await c.frames(4);
      },
    });
    expect(trpc.frames[1]).toEqual({ id: 1, result: { type: "data", data: 1 } });
    expect(trpc.frames[2]).toMatchObject({ id: 1, error: { message: "observed", data: { code: "PRECONDITION_FAILED" } } });
    expect(trpc.frames[3]).toEqual({ id: 1, result: { type: "stopped" } });
    expect(ours).toEqual(trpc);
  });

  it("refuses a second subscription under an open id, and keeps the first", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "forever"));
        await c.frames(2);
        c.send(request(1, "subscription", "forever"));
        await c.frames(3);
        c.send({ id: 1, method: "subscription.stop" });
        await c.frames(4);
      },
    });
    expect(trpc.frames[2]).toMatchObject({ id: 1, error: { data: { code: "BAD_REQUEST" } } });
    expect(trpc.frames[3]).toEqual({ id: 1, result: { type: "stopped" } });
    expect(ours).toEqual(trpc);
  });

  it("refuses a subscription that returns neither an Observable nor an async iterable", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "notIterable"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "INTERNAL_SERVER_ERROR", path: "notIterable" } } });
    expect(ours).toEqual(trpc);
  });

  it("sends a yielded undefined without a transformer", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "yieldsUndefined"));
        await c.frames(3);
      },
    });
    // JSON has no undefined: the data key is dropped from the frame.
    expect(trpc.frames[1]).toEqual({ id: 1, result: { type: "data" } });
    expect(ours).toEqual(trpc);
  });

  it("sends the same object yielded twice as it was at each yield", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "sameTwice"));
        await c.frames(4);
      },
    });
    expect(trpc.frames[1]).toEqual({ id: 1, result: { type: "data", data: { n: 1 } } });
    expect(trpc.frames[2]).toEqual({ id: 1, result: { type: "data", data: { n: 2 } } });
    expect(ours).toEqual(trpc);
  });

  it("ends a subscription whose event cannot be serialised (a BigInt without a transformer): error, stopped", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "subscription", "bigint"));
        await c.frames(3);
      },
    });
    expect(trpc.frames[0]).toEqual({ id: 1, result: { type: "started" } });
    expect(trpc.frames[1]).toMatchObject({ id: 1, error: { data: { code: "INTERNAL_SERVER_ERROR", path: "bigint" } } });
    expect(trpc.frames[2]).toEqual({ id: 1, result: { type: "stopped" } });
    expect(ours).toEqual(trpc);
  });
});
