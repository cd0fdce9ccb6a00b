/**
 * One subscription of a WebSocket connection (`ws-transport.ts`): it calls the procedure, then
 * sends the stream's events until the stream ends or the client stops it. A stream that can be
 * pushed to (`isPushStream`) has each event sent inside the broker's fan-out, with no promise per
 * event; any other stream is pulled.
 */
import { isPushStream, type StreamListener } from "@chat/api";
import { TRPCError } from "@trpc/server";
import type { TRPCResponseMessage } from "@trpc/server/rpc";
import type { WebSocket } from "ws";
import type { Call, RequestId, SubscriptionCall } from "./ws-call.js";

/** What a subscription needs of its connection. */
export interface SubscriptionHost {
  readonly ws: WebSocket;
  /** Calls the subscription's procedure. */
  call(call: SubscriptionCall, signal: AbortSignal, batchIndex: number): Promise<unknown>;
  /** The frame carrying `value` to the subscription whose envelope is given. */
  eventFrame(envelope: string, value: unknown): Buffer;
  respond(message: TRPCResponseMessage): void;
  report(cause: unknown, call: Call): void;
  fail(id: RequestId, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void;
  /** Forgets a subscription that has ended. */
  forget(subscription: Subscription): void;
}

/** An event's frame is UTF-8 text already: `ws` is told so rather than left to guess "binary". */
const AS_TEXT = { binary: false } as const;

/** One open subscription: where its events go, and how it stops. */
export class Subscription implements StreamListener<unknown> {
  /** Aborted when the client stops the subscription or the connection closes. */
  private readonly stopped = new AbortController();
  private iterator: AsyncIterator<unknown> | null = null;
  /** The start of each of its event frames, up to the `result`. */
  private readonly envelope: string;

  constructor(
    private readonly connection: SubscriptionHost,
    readonly id: RequestId,
    private readonly jsonrpc: "2.0" | undefined,
    private readonly request: SubscriptionCall,
  ) {
    this.envelope = `{"id":${JSON.stringify(id)}${jsonrpc === undefined ? "" : `,"jsonrpc":"2.0"`},"result":`;
  }

  /** Calls the procedure and sends its stream's events until it ends or is stopped; failures are answered. */
  async start(batchIndex: number): Promise<void> {
    const { connection, stopped, id, jsonrpc } = this;
    try {
      const stream = await connection.call(this.request, stopped.signal, batchIndex);
      if (!isAsyncIterable(stream)) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Subscription ${this.request.path} did not return an async iterable` });
      this.iterator = stream[Symbol.asyncIterator]();
      if (stopped.signal.aborted || connection.ws.readyState !== connection.ws.OPEN) {
        this.stop();
        this.onEnd();
        return;
      }
      connection.respond({ id, jsonrpc, result: { type: "started" } });
      if (isPushStream(stream)) {
        stream.listen(this);
        return;
      }
      await pull(this.iterator, stopped.signal, this);
      this.onEnd();
    } catch (cause) {
      connection.forget(this);
      stopped.abort();
      connection.fail(id, jsonrpc, cause, this.request);
    }
  }

  /** Ends the subscription, whatever its stream does with the signal. */
  stop(): void {
    this.stopped.abort();
    this.iterator?.return?.().catch((cause: unknown) => this.connection.report(cause, this.request));
  }

  /** Sends an event. Runs inside the broker's fan-out when the stream pushes: it must not throw into it. */
  onValue(value: unknown): void {
    const { ws } = this.connection;
    if (ws.readyState !== ws.OPEN) return;
    try {
      ws.send(this.connection.eventFrame(this.envelope, value), AS_TEXT);
    } catch (cause) {
      this.connection.report(cause, this.request);
    }
  }

  /** The stream has ended: the client is told. */
  onEnd(): void {
    this.connection.forget(this);
    this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: "stopped" } });
  }
}

/** Hands `iterator`'s values to `listener` until it ends or `signal` aborts; rejects with its failure. */
async function pull(iterator: AsyncIterator<unknown>, signal: AbortSignal, listener: StreamListener<unknown>): Promise<void> {
  const stopped = new Promise<undefined>((resolve) => signal.addEventListener("abort", () => resolve(undefined), { once: true }));
  while (!signal.aborted) {
    const next = await Promise.race([iterator.next(), stopped]);
    if (next === undefined || next.done === true) return;
    listener.onValue(next.value);
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
