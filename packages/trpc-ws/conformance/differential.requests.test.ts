/**
 * Differential scenarios of queries and mutations: single, batched, failing, and frames that are
 * not requests at all. Each runs on tRPC's adapter and ours and the transcripts must be equal.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { differential, request } from "./differential.js";

vi.setConfig({ testTimeout: 30_000 });

const t = initTRPC.create({ isDev: false });
const router = t.router({
  hello: t.procedure.input(z.object({ name: z.string() })).query(({ input }) => `hello ${input.name}`),
  add: t.procedure.input(z.object({ a: z.number(), b: z.number() })).mutation(({ input }) => input.a + input.b),
  fails: t.procedure.query(() => {
    throw new TRPCError({ code: "FORBIDDEN", message: "no" });
  }),
  iterable: t.procedure.query(async function* () {
    yield 1;
  }),
});

const sj = initTRPC.create({ isDev: false, transformer: superjson });
const sjRouter = sj.router({
  when: sj.procedure.input(z.object({ at: z.date() })).query(({ input }) => ({ at: input.at, year: input.at.getUTCFullYear() })),
  bump: sj.procedure.input(z.bigint()).mutation(({ input }) => input + 1n),
});

describe("differential: requests", () => {
  it("answers a query with a numeric id and jsonrpc 2.0", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "query", "hello", { name: "a" }, "2.0"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toEqual({ id: 1, jsonrpc: "2.0", result: { type: "data", data: "hello a" } });
    expect(ours).toEqual(trpc);
  });

  it("answers a mutation with a string id", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request("m", "mutation", "add", { a: 2, b: 3 }));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toEqual({ id: "m", result: { type: "data", data: 5 } });
    expect(ours).toEqual(trpc);
  });

  it("answers each request of a batch of a query and a mutation, superjson both ways", async () => {
    const at = new Date("2024-05-06T07:08:09.000Z");
    const { trpc, ours } = await differential({
      router: sjRouter,
      async script(c) {
        c.send([request(1, "query", "when", superjson.serialize({ at }), "2.0"), request("two", "mutation", "bump", superjson.serialize(41n))]);
        await c.frames(2);
      },
    });
    expect(trpc.frames).toContainEqual({ id: 1, jsonrpc: "2.0", result: { type: "data", data: superjson.serialize({ at, year: 2024 }) } });
    expect(trpc.frames).toContainEqual({ id: "two", result: { type: "data", data: superjson.serialize(42n) } });
    expect(ours).toEqual(trpc);
  });

  it("refuses an input the zod schema rejects with BAD_REQUEST", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "query", "hello", { name: 1 }));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { code: -32600, data: { code: "BAD_REQUEST", path: "hello" } } });
    expect(trpc.errors).toEqual([{ code: "BAD_REQUEST", type: "query", path: "hello" }]);
    expect(ours).toEqual(trpc);
  });

  it("answers a thrown TRPCError with its code", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "query", "fails"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { message: "no", data: { code: "FORBIDDEN" } } });
    expect(ours).toEqual(trpc);
  });

  it("refuses an unknown procedure with NOT_FOUND", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "query", "nope"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "NOT_FOUND", path: "nope" } } });
    expect(ours).toEqual(trpc);
  });

  it("answers invalid JSON with a PARSE_ERROR under id null, and keeps the connection", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send("{not json");
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { data: { code: "PARSE_ERROR" } } });
    expect(trpc.closeCode).toBeNull();
    // tRPC answers a frame it cannot parse without telling onError (unlike `id: null`, above).
    expect(trpc.errors).toEqual([]);
    expect(ours).toEqual(trpc);
  });

  it("answers a JSON message that is not a tRPC message with a PARSE_ERROR", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send({ hello: "world" });
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { message: "Invalid request id", data: { code: "PARSE_ERROR" } } });
    expect(trpc.errors).toEqual([]);
    expect(ours).toEqual(trpc);
  });

  it("refuses a request whose id is null with PARSE_ERROR, told to onError", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(null, "query", "hello", { name: "n" }));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual([{ id: null, error: expect.objectContaining({ message: "`id` is required", data: expect.objectContaining({ code: "PARSE_ERROR" }) }) }]);
    expect(trpc.errors).toEqual([{ code: "PARSE_ERROR", type: "unknown", path: undefined }]);
    expect(ours).toEqual(trpc);
  });

  it("refuses a query that returns an async iterable with UNSUPPORTED_MEDIA_TYPE", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(request(1, "query", "iterable"));
        await c.frames(1);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "UNSUPPORTED_MEDIA_TYPE" } } });
    expect(ours).toEqual(trpc);
  });

  it("refuses a batch over maxBatchSize, answering every request of it", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { maxBatchSize: 2 },
      async script(c) {
        c.send([request(1, "query", "hello", { name: "a" }), request(2, "query", "hello", { name: "b" }), request("3", "mutation", "add", { a: 1, b: 1 })]);
        await c.frames(3);
      },
    });
    expect(trpc.frames).toHaveLength(3);
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "BAD_REQUEST" } } });
    expect(ours).toEqual(trpc);
  });

  it("answers a binary frame holding JSON with the default encoder as tRPC does (a PARSE_ERROR)", async () => {
    const { trpc, ours } = await differential({
      router,
      async script(c) {
        c.send(Buffer.from(JSON.stringify(request(1, "query", "hello", { name: "bin" }))));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toHaveLength(1);
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { data: { code: "PARSE_ERROR" } } });
    expect(trpc.errors).toEqual([]);
    expect(ours).toEqual(trpc);
  });
});
