/**
 * One subscription of a WebSocket connection (`ws-transport.ts`): it calls the procedure, then
 * sends the stream's events until the stream ends or the client stops it. A stream that can be
 * pushed to (`isPushStream`) has each event sent inside the broker's fan-out, with no promise per
 * event; any other stream is pulled. While the connection's reader lags (`SocketWriter`), events
 * wait here, in order, as references, and go out as the socket drains.
 */
import { isPushStream, type StreamFailure, type StreamListener } from "@chat/api";
import { TRPCError } from "@trpc/server";
import type { TRPCResponseMessage } from "@trpc/server/rpc";
import type { WebSocket } from "ws";
import type { Paced, SocketWriter } from "./socket-writer.js";
import type { Call, RequestId, SubscriptionCall } from "./ws-call.js";

/** What a subscription needs of its connection. */
export interface SubscriptionHost {
  readonly ws: WebSocket;
  readonly writer: SocketWriter;
  /** Calls the subscription's procedure. */
  call(call: SubscriptionCall, signal: AbortSignal, batchIndex: number): Promise<unknown>;
  /** Sends the frame carrying `value` to the subscription whose envelope is given. */
  sendEvent(envelope: string, value: unknown): void;
  respond(message: TRPCResponseMessage): void;
  report(cause: unknown, call: Call): void;
  fail(id: RequestId, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void;
  /** Forgets a subscription that has ended. */
  forget(subscription: Subscription): void;
}

/** One open subscription: where its events go, and how it stops. */
export class Subscription implements StreamListener<unknown>, Paced {
  /** Aborted when the client stops the subscription or the connection closes. */
  private readonly stopped = new AbortController();
  private iterator: AsyncIterator<unknown> | null = null;
  /** The start of each of its event frames, up to the `result`. */
  private readonly envelope: string;
  /** Events waiting for the socket to drain, oldest first, from `next` on; `null` when none wait. */
  private backlog: unknown[] | null = null;
  private next = 0;
  /** How the stream ended, while the end waits behind the backlog. */
  private ending: { failure: StreamFailure | undefined } | null = null;
  /** What it calls, for error shapes and reports: the input is dropped once the procedure has it. */
  private request: SubscriptionCall;

  constructor(
    private readonly connection: SubscriptionHost,
    readonly id: RequestId,
    private readonly jsonrpc: "2.0" | undefined,
    request: SubscriptionCall,
  ) {
    this.request = request;
    this.envelope = `{"id":${JSON.stringify(id)}${jsonrpc === undefined ? "" : `,"jsonrpc":"2.0"`},"result":`;
  }

  /** Calls the procedure and sends its stream's events until it ends or is stopped; failures are answered. */
  async start(batchIndex: number): Promise<void> {
    const { connection, stopped, id, jsonrpc } = this;
    try {
      const called = connection.call(this.request, stopped.signal, batchIndex);
      // The procedure has read its input: a raw input kept for the subscription's life would let
      // a client park its whole frame here.
      this.request = { ...this.request, input: undefined };
      const stream = await called;
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
      this.end({ error: cause });
    }
  }

  /** Ends the subscription, whatever its stream does with the signal; what waited is dropped. */
  stop(): void {
    this.stopped.abort();
    this.drop();
    this.iterator?.return?.().catch((cause: unknown) => this.connection.report(cause, this.request));
  }

  /** Sends an event, or keeps it while the reader lags. Runs inside the broker's fan-out when the stream pushes: it must not throw into it. */
  onValue(value: unknown): void {
    const { writer } = this.connection;
    if (this.backlog !== null) {
      this.backlog.push(value);
      writer.held(1);
    } else if (writer.congested) {
      this.backlog = [value];
      writer.pace(this);
    } else {
      this.write(value);
    }
  }

  /** The stream has ended: the client is told, after any events still waiting. */
  onEnd(failure?: StreamFailure): void {
    if (this.backlog !== null) this.ending = { failure };
    else this.end(failure);
  }

  resume(): boolean {
    const { backlog } = this;
    if (backlog === null) return true;
    const { writer } = this.connection;
    const from = this.next;
    while (this.next < backlog.length && !writer.congested) this.write(backlog[this.next++]);
    writer.held(from - this.next);
    if (this.next < backlog.length) return false;
    this.backlog = null;
    this.next = 0;
    const { ending } = this;
    this.ending = null;
    if (ending !== null) this.end(ending.failure);
    return true;
  }

  private write(value: unknown): void {
    try {
      this.connection.sendEvent(this.envelope, value);
    } catch (cause) {
      this.connection.report(cause, this.request);
    }
  }

  /** Tells the client the subscription is over: with its error first when it failed. */
  private end(failure: StreamFailure | undefined): void {
    const { connection, id, jsonrpc } = this;
    connection.forget(this);
    if (failure !== undefined) {
      this.stopped.abort();
      connection.fail(id, jsonrpc, failure.error, this.request);
      return;
    }
    connection.respond({ id, jsonrpc, result: { type: "stopped" } });
  }

  /** Forgets what waits: nobody will read it. */
  private drop(): void {
    if (this.backlog === null) return;
    this.connection.writer.held(this.next - this.backlog.length);
    this.backlog = null;
    this.next = 0;
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
