/**
 * Differential scenarios at the edges of the protocol: ids reused or unknown, stops inside
 * batches, methods that do not match the procedure, plain errors, rejecting hooks, and a request
 * where connection params were expected. Each runs on tRPC's adapter and ours; the transcripts
 * must be equal.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { CreateWSSContextFnOptions } from "@trpc/server/adapters/ws";
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

/** Yields one value, then returns another, which no frame should carry. */
async function* yieldsThenReturns(): AsyncGenerator<number, number> {
  yield 1;
  return 2;
}

/** The context of these scenarios: the connection params the client sent, if any. */
interface Ctx {
  params: Record<string, string | undefined> | null;
}

const t = initTRPC.context<Ctx>().create({ isDev: false });
const router = t.router({
  params: t.procedure.query(({ ctx }) => ctx.params),
  plainError: t.procedure.query(() => {
    throw new Error("a plain error");
  }),
  echo: t.procedure.input(z.string()).mutation(({ input }) => input),
  forever: t.procedure.subscription(async function* ({ signal }) {
    yield "first";
    await aborted(signal);
  }),
  // tRPC's types forbid a generator's return value, but plain JavaScript can still have one.
  returnsValue: t.procedure.subscription(() => yieldsThenReturns() as unknown as AsyncIterable<number>),
});

/** Builds the context from the connection params, whatever they are. */
const createContext = ({ info }: CreateWSSContextFnOptions): Ctx => ({ params: info.connectionParams });

const sj = initTRPC.create({ isDev: false, transformer: superjson });
const sjRouter = sj.router({
  when: sj.procedure.input(z.date()).query(({ input }) => input.toISOString()),
});

describe("differential: edges of the protocol", () => {
  it("ignores subscription.stop for an id that is not open", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send({ id: 99, method: "subscription.stop" });
        // A later answer proves the stop was handled and got nothing.
        c.send(request(1, "mutation", "echo", "after"));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual([{ id: 1, result: { type: "data", data: "after" } }]);
    expect(ours).toEqual(trpc);
  });

  it("lets a stopped subscription's id be used again", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send(request("s", "subscription", "forever"));
        await c.frames(2);
        c.send({ id: "s", method: "subscription.stop" });
        await c.frames(3);
        c.send(request("s", "subscription", "forever"));
        await c.frames(5);
        c.send({ id: "s", method: "subscription.stop" });
        await c.frames(6);
      },
    });
    expect(trpc.frames[3]).toEqual({ id: "s", result: { type: "started" } });
    expect(trpc.frames[5]).toEqual({ id: "s", result: { type: "stopped" } });
    expect(ours).toEqual(trpc);
  });

  it("handles a subscription.stop inside a batch with a request", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send(request(1, "subscription", "forever", undefined, "2.0"));
        await c.frames(2);
        c.send([{ id: 1, jsonrpc: "2.0", method: "subscription.stop" }, request(2, "mutation", "echo", "x", "2.0")]);
        await c.frames(4);
      },
    });
    // tRPC answers the stop once the generator has settled, after the mutation's answer.
    expect(trpc.frames.slice(2)).toEqual([
      { id: 2, jsonrpc: "2.0", result: { type: "data", data: "x" } },
      { id: 1, jsonrpc: "2.0", result: { type: "stopped" } },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("ignores a generator's return value: started, data, stopped", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send(request(1, "subscription", "returnsValue"));
        await c.frames(3);
      },
    });
    expect(trpc.frames).toEqual([
      { id: 1, result: { type: "started" } },
      { id: 1, result: { type: "data", data: 1 } },
      { id: 1, result: { type: "stopped" } },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("refuses a query called as a subscription", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send(request(1, "subscription", "params"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "NOT_FOUND", path: "params" } } });
    expect(ours).toEqual(trpc);
  });

  it("answers a plain Error as INTERNAL_SERVER_ERROR", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext },
      async script(c) {
        c.send(request(1, "query", "plainError"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "INTERNAL_SERVER_ERROR", path: "plainError" } } });
    expect(trpc.errors).toEqual([{ code: "INTERNAL_SERVER_ERROR", type: "query", path: "plainError" }]);
    expect(ours).toEqual(trpc);
  });

  it("still answers when onError returns a rejected promise", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext, onError: () => Promise.reject(new Error("async onError broke")) },
      async script(c) {
        c.send(request(1, "query", "plainError"));
        await c.frames(1);
        c.send(request(2, "mutation", "echo", "still"));
        await c.frames(2);
      },
    });
    expect(trpc.frames[1]).toEqual({ id: 2, result: { type: "data", data: "still" } });
    expect(ours).toEqual(trpc);
  });

  it("takes a request sent where connection params were expected as a params message without params, and closes", async () => {
    const { trpc, ours } = await differential({
      router,
      search: "?connectionParams=1",
      options: { createContext },
      async script(c) {
        c.send(request(1, "query", "params"));
        c.send(request(2, "query", "params"));
        await c.frames(2);
        await c.closed();
      },
    });
    // The first request is read as a params message without params; the second waits on the
    // context that then fails, and is answered with that failure.
    expect(trpc.frames).toEqual([
      { id: null, error: expect.objectContaining({ message: "Invalid connection params shape", data: expect.objectContaining({ code: "PARSE_ERROR" }) }) },
      { id: 2, error: expect.objectContaining({ data: expect.objectContaining({ code: "PARSE_ERROR", path: "params" }) }) },
    ]);
    expect(trpc.closeCode).not.toBeNull();
    expect(ours).toEqual(trpc);
  });

  it("refuses an input that is not valid superjson for the transformer with a PARSE_ERROR under id null", async () => {
    const { trpc, ours } = await differential({
      router: sjRouter,
      async script(c) {
        c.send(request(1, "query", "when", { json: "2024-01-01T00:00:00.000Z", meta: { values: ["nonsense"] } }));
        await c.frames(1);
      },
    });
    // Input is deserialised while the frame is parsed, so the answer has no id; as with any frame
    // tRPC cannot parse, onError is not told.
    expect(trpc.frames).toEqual([{ id: null, error: { json: expect.objectContaining({ message: "Unknown transformation: nonsense", code: -32700 }) } }]);
    expect(trpc.errors).toEqual([]);
    expect(ours).toEqual(trpc);
  });

  it("answers a superjson Date input", async () => {
    const at = new Date("2024-02-03T04:05:06.000Z");
    const { trpc, ours } = await differential({
      router: sjRouter,
      async script(c) {
        c.send(request(1, "query", "when", superjson.serialize(at)));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual([{ id: 1, result: { type: "data", data: superjson.serialize(at.toISOString()) } }]);
    expect(ours).toEqual(trpc);
  });

  it("answers a TRPCError thrown with a cause in its own code, without the cause", async () => {
    const c2 = initTRPC.create({ isDev: false });
    const { trpc, ours } = await differential({
      router: c2.router({
        caused: c2.procedure.query(() => {
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "slow down", cause: new Error("inner") });
        }),
      }),
      async script(c) {
        c.send(request(1, "query", "caused"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { message: "slow down", data: { code: "TOO_MANY_REQUESTS" } } });
    expect(ours).toEqual(trpc);
  });
});
