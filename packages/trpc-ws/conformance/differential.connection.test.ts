/**
 * Differential scenarios of the connection: its context and connection params, heartbeats, error
 * hooks that fail, reconnect notifications and encoders. Each runs on tRPC's adapter and ours; the
 * transcripts must be equal.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { CreateWSSContextFnOptions, Encoder } from "@trpc/server/adapters/ws";
import { describe, expect, it, vi } from "vitest";
import { differential, request } from "./differential.js";

vi.setConfig({ testTimeout: 30_000 });

/** The context the connection scenarios build: what the client sent as connection params. */
interface Ctx {
  token: string | null;
}

const t = initTRPC.context<Ctx>().create({ isDev: false });
const router = t.router({
  token: t.procedure.query(({ ctx }) => ctx.token),
  fails: t.procedure.query(() => {
    throw new TRPCError({ code: "FORBIDDEN", message: "no" });
  }),
});

/** Builds the context from the connection params, as an app reading a token would. */
function contextFromParams({ info }: CreateWSSContextFnOptions): Ctx {
  return { token: info.connectionParams?.["token"] ?? null };
}

const noParams = (): Ctx => ({ token: null });

/** JSON in binary frames: a tiny encoder of our own, so that frames the default never makes are exercised. */
const binaryJson: Encoder = {
  encode: (data) => new TextEncoder().encode(JSON.stringify(data)),
  decode: (data) => JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data)) as unknown,
};

describe("differential: the connection", () => {
  it("gives createContext the connection params of the first message", async () => {
    const { trpc, ours } = await differential({
      router,
      search: "?connectionParams=1",
      options: { createContext: contextFromParams },
      async script(c) {
        c.send({ method: "connectionParams", data: { token: "abc" } });
        c.send(request(1, "query", "token"));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual([{ id: 1, result: { type: "data", data: "abc" } }]);
    expect(ours).toEqual(trpc);
  });

  it("refuses a malformed connection params message", async () => {
    const { trpc, ours } = await differential({
      router,
      search: "?connectionParams=1",
      options: { createContext: contextFromParams },
      async script(c) {
        c.send("{not json");
        await c.closed();
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { data: { code: "PARSE_ERROR" } } });
    expect(trpc.closeCode).not.toBeNull();
    expect(ours).toEqual(trpc);
  });

  it("refuses connection params that are not strings", async () => {
    const { trpc, ours } = await differential({
      router,
      search: "?connectionParams=1",
      options: { createContext: contextFromParams },
      async script(c) {
        c.send({ method: "connectionParams", data: { token: 5 } });
        await c.closed();
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { message: "Invalid connection params shape", data: { code: "PARSE_ERROR" } } });
    expect(trpc.closeCode).not.toBeNull();
    expect(ours).toEqual(trpc);
  });

  it("answers an async createContext that rejects with an error under id null, and closes", async () => {
    const { trpc, ours } = await differential({
      router,
      options: {
        createContext: async () => {
          await Promise.resolve();
          throw new TRPCError({ code: "UNAUTHORIZED", message: "who are you" });
        },
      },
      async script(c) {
        // Right behind the connection, before the context has failed.
        c.send(request(1, "query", "token"));
        await c.closed();
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { message: "who are you", data: { code: "UNAUTHORIZED" } } });
    expect(trpc.closeCode).not.toBeNull();
    expect(ours).toEqual(trpc);
  });

  it("answers a sync createContext that throws with an error under id null, and closes", async () => {
    const { trpc, ours } = await differential({
      router,
      options: {
        createContext: () => {
          throw new TRPCError({ code: "FORBIDDEN", message: "sync" });
        },
      },
      async script(c) {
        await c.closed();
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: null, error: { message: "sync", data: { code: "FORBIDDEN" } } });
    expect(trpc.errors).toContainEqual({ code: "FORBIDDEN", type: "unknown", path: undefined });
    expect(ours).toEqual(trpc);
  });

  it("answers PING with PONG", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext: noParams },
      async script(c) {
        c.send("PING");
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual(["PONG"]);
    expect(ours).toEqual(trpc);
  });

  it("does not answer PING with dangerouslyDisablePong", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext: noParams, dangerouslyDisablePong: true },
      async script(c) {
        c.send("PING");
        // A later request's answer proves the PING was handled and got nothing.
        c.send(request(1, "query", "token"));
        await c.frames(1);
      },
    });
    expect(trpc.frames).toEqual([{ id: 1, result: { type: "data", data: null } }]);
    expect(ours).toEqual(trpc);
  });

  it("still answers a request when the errorFormatter throws", async () => {
    const f = initTRPC.create({
      isDev: false,
      errorFormatter: () => {
        throw new Error("formatter broke");
      },
    });
    const { trpc, ours } = await differential({
      router: f.router({
        fails: f.procedure.query(() => {
          throw new TRPCError({ code: "FORBIDDEN", message: "no" });
        }),
      }),
      async script(c) {
        c.send(request(1, "query", "fails"));
        await c.frames(1);
      },
    });
    // The client gets tRPC's minimal shape; onError hears of the error and of the formatter's failure.
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { message: "Internal server error", data: { code: "INTERNAL_SERVER_ERROR" } } });
    expect(trpc.errors).toEqual([
      { code: "FORBIDDEN", type: "query", path: "fails" },
      { code: "INTERNAL_SERVER_ERROR", type: "query", path: "fails" },
    ]);
    expect(ours).toEqual(trpc);
  });

  it("still answers a request when onError throws", async () => {
    const { trpc, ours } = await differential({
      router,
      options: {
        createContext: noParams,
        onError: () => {
          throw new Error("onError broke");
        },
      },
      async script(c) {
        c.send(request(1, "query", "fails"));
        await c.frames(1);
        c.send(request(2, "query", "token"));
        await c.frames(2);
      },
    });
    expect(trpc.frames[0]).toMatchObject({ id: 1, error: { data: { code: "FORBIDDEN" } } });
    expect(trpc.frames[1]).toEqual({ id: 2, result: { type: "data", data: null } });
    expect(ours).toEqual(trpc);
  });

  it("sends the reconnect notification of broadcastReconnectNotification()", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext: noParams },
      async script(c) {
        // The answer proves the server holds the connection before the broadcast.
        c.send(request(1, "query", "token"));
        await c.frames(1);
        c.broadcastReconnectNotification();
        await c.frames(2);
      },
    });
    expect(trpc.frames[1]).toEqual({ id: null, method: "reconnect" });
    expect(ours).toEqual(trpc);
  });

  it("with keepAlive, sends PING and terminates a client that never answers", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext: noParams, keepAlive: { enabled: true, pingMs: 50, pongWaitMs: 50 } },
      async script(c) {
        await c.closed();
      },
    });
    expect(trpc.frames).toEqual(["PING"]);
    expect(trpc.closeCode).toBe(1006);
    expect(ours).toEqual(trpc);
  });

  it("round-trips a custom experimental_encoder (JSON in binary frames)", async () => {
    const { trpc, ours } = await differential({
      router,
      options: { createContext: noParams, experimental_encoder: binaryJson },
      async script(c) {
        c.send(binaryJson.encode(request(1, "query", "token")));
        await c.frames(1);
        c.broadcastReconnectNotification();
        await c.frames(2);
      },
    });
    expect(trpc.frames).toEqual([{ binary: { id: 1, result: { type: "data", data: null } } }, { binary: { id: null, method: "reconnect" } }]);
    expect(ours).toEqual(trpc);
  });
});
