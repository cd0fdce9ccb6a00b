/**
 * What the transport's tests share: a small router served by `applyWSSHandler` on a real port,
 * a typed `@trpc/client` of it, and a plain `ws` client that keeps every frame it receives.
 */
import { EventEmitter, on, once } from "node:events";
import type { AddressInfo } from "node:net";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import { initTRPC, tracked, type TrackedEnvelope, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { onTestFinished } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { z } from "zod";
import type { StreamListener } from "../push-stream.js";
import { type ErrorDetails, errorDetails } from "../error-details.js";
import { applyWSSHandler, type TransportOptions, type WsTransport } from "../ws-transport.js";

/** What `onError` was told, with the details this transport keeps beside it. */
export type Reported = Parameters<NonNullable<TransportOptions<TestRouter>["onError"]>>[0] & Partial<ErrorDetails>;

/** A connection's context: its socket, and the code it closed with once `onClose` has told it. */
export interface TestContext {
  ws: WebSocket;
  closedWith: number | null;
}

/** An event of the pushed stream. */
export interface Note {
  text: string;
  at: Date;
}

/** One stream of a `Feed`: a push stream that fails if it is ever pulled, since the transport must push to it. */
class FeedStream<T> implements AsyncIterableIterator<T> {
  listener: StreamListener<T> | null = null;

  constructor(private readonly onReturn: () => void) {}

  listen(listener: StreamListener<T>): void {
    this.listener = listener;
  }

  next(): Promise<IteratorResult<T>> {
    return Promise.reject(new Error("a push stream was pulled"));
  }

  return(): Promise<IteratorResult<T>> {
    this.onReturn();
    this.listener?.onEnd();
    this.listener = null;
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** A broker in miniature: each subscription opens a stream, and `emit` pushes to every open one. */
export class Feed<T> {
  readonly streams = new Set<FeedStream<T>>();

  /** A new stream of this feed's events. */
  open(): AsyncIterableIterator<T> {
    const stream: FeedStream<T> = new FeedStream<T>(() => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Pushes `value` to every open stream, synchronously, as a broker's fan-out does. */
  emit(value: T): void {
    for (const stream of [...this.streams]) stream.listener?.onValue(value);
  }

  /** Fails every open stream with `error`, as a broker whose store went away does. */
  fail(error: unknown): void {
    for (const stream of [...this.streams]) {
      this.streams.delete(stream);
      stream.listener?.onEnd({ error });
    }
  }
}

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> =>
  signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

/** The small router under test: a query, two mutations, and pushed and pulled subscriptions. */
function createTestRouter(feed: Feed<TrackedEnvelope<Note>>, pulled: { ended: number }, echoes: EventEmitter) {
  const t = initTRPC.context<TestContext>().create({ transformer: superjson });
  return t.router({
    greet: t.procedure.input(z.object({ name: z.string(), at: z.date() })).query(({ input }) => ({ greeting: `hello ${input.name}`, at: input.at })),
    add: t.procedure.input(z.object({ a: z.number(), b: z.number() })).mutation(({ input }) => input.a + input.b),
    // An answer whose serialisation throws, as a bug in a procedure's output would.
    broken: t.procedure.query(() => ({
      get at(): Date {
        throw new Error("no date today");
      },
    })),
    claim: t.procedure.mutation((): never => {
      throw new TRPCError({ code: "CONFLICT", message: "already claimed" });
    }),
    notes: t.procedure.subscription(() => feed.open()),
    // What `echoes` emits, pulled as tRPC's own tests do (each event is the array of the emit's arguments).
    echoes: t.procedure.subscription(({ signal }) => on(echoes, "data", { signal }) as AsyncIterableIterator<[Note]>),
    count: t.procedure.input(z.object({ to: z.number(), lastEventId: z.string().nullish() })).subscription(async function* ({ input }) {
      for (let n = Number(input.lastEventId ?? 0) + 1; n <= input.to; n++) yield tracked(String(n), { n });
    }),
    breaks: t.procedure.subscription(async function* () {
      yield tracked("1", { n: 1 });
      throw new Error("the source broke");
    }),
    waits: t.procedure.subscription(async function* ({ signal }) {
      try {
        yield "ready";
        if (signal) await aborted(signal);
      } finally {
        pulled.ended++;
      }
    }),
  });
}

/** The test router's type, for the typed client. */
export type TestRouter = ReturnType<typeof createTestRouter>;

/** A served transport and what its callbacks saw. */
export interface TestServer {
  url: string;
  transport: WsTransport;
  feed: Feed<TrackedEnvelope<Note>>;
  /** Emits what the `echoes` subscriptions pull. */
  echoes: EventEmitter;
  /** Each connection's context, in the order they opened. */
  connections: TestContext[];
  errors: Reported[];
  /** Every connection found to be a slow consumer, by why. */
  slowConsumers: { reason: string }[];
  /** How many `waits` generators ran their `finally`. */
  pulled: { ended: number };
}

/** Serves the test router on a fresh port; the server and every connection are closed after the test. */
export async function startServer(
  keepAlive = { pingMs: 60_000, pongWaitMs: 60_000 },
  backpressure: TransportOptions<TestRouter>["backpressure"] = {},
): Promise<TestServer> {
  const wss = new WebSocketServer({ port: 0 });
  onTestFinished(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  await once(wss, "listening");
  const feed = new Feed<TrackedEnvelope<Note>>();
  const pulled = { ended: 0 };
  const echoes = new EventEmitter();
  const connections: TestServer["connections"] = [];
  const errors: Reported[] = [];
  const slowConsumers: { reason: string }[] = [];
  const transport = applyWSSHandler({
    wss,
    router: createTestRouter(feed, pulled, echoes),
    createContext: ({ res }) => {
      const context: TestContext = { ws: res, closedWith: null };
      connections.push(context);
      return context;
    },
    onClose: ({ ctx, code }) => {
      if (ctx !== undefined) ctx.closedWith = code;
    },
    onError: (report) => errors.push({ ...report, ...errorDetails(report) }),
    // By default far beyond any test, so heartbeats never interleave with the frames checked.
    keepAlive: { enabled: true, ...keepAlive },
    backpressure: { maxBytes: 1 << 30, drainMs: 60_000, onSlowConsumer: ({ reason }) => slowConsumers.push({ reason }), ...backpressure },
    requestsPerFrame: { max: 20, error: () => new TRPCError({ code: "TOO_MANY_REQUESTS", message: "too many requests in one frame" }) },
    maxIdLength: 64,
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, transport, feed, echoes, connections, errors, slowConsumers, pulled };
}

/** A typed tRPC client of `server`, closed after the test. */
export function connectClient(server: TestServer) {
  // Node 20 has no global WebSocket; `ws`'s differs from the DOM's only in types tRPC does not use.
  const wsClient = createWSClient({ url: server.url, WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof createWSClient>[0]["WebSocket"]> });
  onTestFinished(() => wsClient.close());
  return createTRPCClient<TestRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
}

/** A received frame: parsed JSON, or the text itself when it is not JSON ("PONG"). */
export type Frame = unknown;

/** A plain `ws` client that keeps every frame it receives, terminated after the test. */
export class RawClient {
  readonly received: Frame[] = [];
  private readonly waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const text = String(data);
      let frame: Frame = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // Not JSON: kept as text.
      }
      this.received.push(frame);
      for (const waiter of this.waiters.filter((w) => w.match(frame))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
  }

  /** Opens a connection to `url` and waits until it is open. */
  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(url);
    onTestFinished(() => socket.terminate());
    await once(socket, "open");
    return new RawClient(socket);
  }

  /** Sends `frame`, JSON-encoded unless it is already a string or bytes. */
  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The first frame, received or to come, that `match` accepts. */
  waitFor(match: (frame: Frame) => boolean): Promise<Frame> {
    const seen = this.received.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

/** A request as `wsLink` sends it, its input serialised by superjson. */
export const request = (id: number | string | null, method: string, path: string, input?: unknown) => ({ id, method, params: { path, input: superjson.serialize(input) } });

/** Whether `frame` answers request `id` with a result of `type` (any result when omitted). */
export const resultOf =
  (id: number | string | null, type?: string) =>
  (frame: Frame): boolean =>
    isObject(frame) && frame.id === id && isObject(frame.result) && (type === undefined || frame.result.type === type);

/** Whether `frame` answers request `id` with an error. */
export const errorOf =
  (id: number | string | null) =>
  (frame: Frame): boolean =>
    isObject(frame) && frame.id === id && "error" in frame;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export const at = new Date("2024-01-02T03:04:05.006Z");
