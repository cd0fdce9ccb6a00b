/**
 * One subscription of a WebSocket connection (`ws-connection.ts`): it calls the procedure, then
 * sends the stream's events until the stream ends or the client stops it, and then `stopped`, as
 * tRPC's adapter does. A stream that can be pushed to (`isPushStream`) has each event sent inside
 * the producer's call, with no promise per event; so does an Observable, which is pushed by
 * nature; any other async iterable is pulled. While the connection's reader lags
 * (`SocketWriter`), events wait here, in order, as references, and go out as the socket drains.
 */
import { getTRPCErrorFromUnknown, TRPCError } from "@trpc/server";
import { isObservable, type Observable, type Unsubscribable } from "@trpc/server/observable";
import type { TRPCResponseMessage } from "@trpc/server/rpc";
import type { WebSocket } from "ws";
import { isPushStream, type StreamFailure, type StreamListener } from "./push-stream.js";
import type { Paced, SocketWriter } from "./socket-writer.js";
import type { Call, RequestId, SubscriptionCall } from "./ws-call.js";

/** What a subscription needs of its connection. */
export interface SubscriptionHost {
  readonly ws: WebSocket;
  readonly writer: SocketWriter;
  /** Calls the subscription's procedure. */
  call(call: SubscriptionCall, signal: AbortSignal, batchIndex: number): Promise<unknown>;
  /** Sends the frame carrying `value` to the subscription whose envelope and request are given; throws if it cannot be serialised. */
  sendEvent(envelope: string, id: RequestId, jsonrpc: "2.0" | undefined, value: unknown): void;
  respond(message: TRPCResponseMessage): void;
  report(cause: unknown, call: Call): void;
  fail(id: RequestId, jsonrpc: "2.0" | undefined, cause: unknown, call: Call): void;
  /** Forgets a subscription that has ended. */
  forget(subscription: Subscription): void;
}

/** Resolved instead of the next value when the subscription stops while it waits. */
const STOPPED = Symbol("stopped");

/** One open subscription: where its events go, and how it stops. */
export class Subscription implements StreamListener<unknown>, Paced {
  /** Aborted when the client stops the subscription, its stream fails, or the connection closes. */
  private readonly stopped = new AbortController();
  /** How to end the source: its iterator, or its Observable subscription. */
  private iterator: AsyncIterator<unknown> | null = null;
  private observed: Unsubscribable | null = null;
  /** The source's `return()`, once called: the client is told of the end once it has settled. */
  private returned: Promise<unknown> | null = null;
  /** Wakes a pull waiting for the next value when the subscription stops. */
  private wake: ((value: typeof STOPPED) => void) | null = null;
  /** Whether the subscription was stopped or ended: a plain flag, read for every event (the signal's getter costs more). */
  private halted = false;
  /** Whether the client was told `started`: from then on, the end is told with `stopped`. */
  private started = false;
  /** Whether the client has been told it is over (`stopped`, or its error). */
  private over = false;
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
    let stream: unknown;
    try {
      const called = connection.call(this.request, stopped.signal, batchIndex);
      // The procedure has read its input: a raw input kept for the subscription's life would let
      // a client park its whole frame here.
      this.request = { ...this.request, input: undefined };
      stream = await called;
      if (!isAsyncIterable(stream) && !isObservable(stream)) {
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Subscription ${this.request.path} did not return an observable or a AsyncGenerator` });
      }
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      // A procedure that gave up because it was stopped is not a failure.
      if (stopped.signal.aborted && error.code === "INTERNAL_SERVER_ERROR" && isAbortError(error.cause)) this.end(undefined);
      else this.end({ error });
      return;
    }
    if (stopped.signal.aborted || connection.ws.readyState !== connection.ws.OPEN) {
      // Never started: an iterator is ended without being read; an Observable is never subscribed.
      if (isAsyncIterable(stream)) stream[Symbol.asyncIterator]().return?.().catch((cause: unknown) => connection.report(cause, this.request));
      this.end(undefined);
      return;
    }
    connection.respond({ id, jsonrpc, result: { type: "started" } });
    this.started = true;
    if (isObservable(stream)) {
      this.observe(stream);
      return;
    }
    const iterator = stream[Symbol.asyncIterator]();
    this.iterator = iterator;
    if (isPushStream(stream)) {
      stream.listen(this);
      return;
    }
    try {
      await this.pull(iterator);
      this.onEnd();
    } catch (cause) {
      this.onEnd({ error: cause });
    }
  }

  /** Ends the subscription, whatever its stream does with the signal; what waited is dropped. */
  stop(): void {
    if (this.halted) return;
    this.drop();
    const waiting = this.wake !== null;
    this.halt();
    // A pulled stream's loop tells of its end when woken; a pushed or observed stream may not tell
    // of it once stopped, so the client is told here.
    if (!waiting) this.onEnd();
  }

  /** Sends an event, or keeps it while the reader lags. Runs inside the producer's call when the stream pushes: it must not throw into it. */
  onValue(value: unknown): void {
    if (this.halted) return;
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
    while (this.next < backlog.length && !writer.congested && this.backlog !== null) this.write(backlog[this.next++]);
    writer.held(from - this.next);
    if (this.backlog === null) return true;
    if (this.next < backlog.length) return false;
    this.backlog = null;
    this.next = 0;
    const { ending } = this;
    this.ending = null;
    if (ending !== null) this.end(ending.failure);
    return true;
  }

  /** Pulls the iterator until it is done or the subscription stops; rejects with its failure. */
  private async pull(iterator: AsyncIterator<unknown>): Promise<void> {
    while (!this.halted && (await this.step(iterator)));
  }

  /**
   * Waits for the next event and sends it; false once the stream is done or the subscription
   * stopped. A function of its own, so that no frame holds the event sent while the next one is
   * awaited (tRPC #6156).
   */
  private async step(iterator: AsyncIterator<unknown>): Promise<boolean> {
    // A promise per wait, woken by `stop`: racing every `next()` against one long-lived promise
    // would leave a reaction on it per event, keeping every event sent reachable until the end.
    const next = await new Promise<IteratorResult<unknown> | typeof STOPPED>((resolve, reject) => {
      this.wake = resolve;
      iterator.next().then(resolve, reject);
    });
    this.wake = null;
    if (next === STOPPED || next.done === true) return false;
    this.onValue(next.value);
    return true;
  }

  private observe(stream: Observable<unknown, unknown>): void {
    this.observed = stream.subscribe({
      next: (value) => this.onValue(value),
      error: (error) => this.onEnd({ error }),
      complete: () => this.onEnd(),
    });
    // An Observable that ended while subscribing ended before `observed` was set.
    if (this.over) this.observed.unsubscribe();
  }

  private write(value: unknown): void {
    try {
      this.connection.sendEvent(this.envelope, this.id, this.jsonrpc, value);
    } catch (cause) {
      // An event that cannot be serialised ends the subscription, as in tRPC's adapter.
      this.drop();
      this.end({ error: cause });
    }
  }

  /** Tells the client the subscription is over: its error first when it failed, then `stopped`, once. */
  private end(failure: StreamFailure | undefined): void {
    if (this.over) return;
    this.over = true;
    this.halt();
    // As tRPC's adapter does, the client hears of the end (and may reuse the id) once the source
    // has finished returning, after the answers of the frame that stopped it: what the source does
    // on its way out comes first, and a stop never overtakes a request sent beside it.
    if (this.returned === null) this.tell(failure);
    else void this.returned.then(() => setImmediate(() => this.tell(failure)));
  }

  /** Tells the client the subscription is over and frees its id: its error first when it failed, then `stopped`. */
  private tell(failure: StreamFailure | undefined): void {
    const { connection, id, jsonrpc } = this;
    connection.forget(this);
    if (failure !== undefined) {
      connection.fail(id, jsonrpc, failure.error, this.request);
      // A failure before the stream started (the procedure threw) is the whole answer.
      if (!this.started) return;
    }
    connection.respond({ id, jsonrpc, result: { type: "stopped" } });
  }

  /** Detaches from the source, once: aborts the signal, ends the Observable or the iterator, wakes a waiting pull. */
  private halt(): void {
    if (!this.halted) {
      this.halted = true;
      this.stopped.abort();
      this.observed?.unsubscribe();
      this.returned =
        this.iterator?.return?.().catch((cause: unknown) => {
          // An iterator that throws on its way out is the server's business, not the client's.
          if (!isAbortError(cause)) this.connection.report(cause, this.request);
        }) ?? null;
    }
    this.wake?.(STOPPED);
  }

  /** Forgets what waits: nobody will read it. */
  private drop(): void {
    if (this.backlog === null) return;
    this.connection.writer.held(this.next - this.backlog.length);
    this.backlog = null;
    this.next = 0;
  }
}

/** Whether `cause` is how a cancelled operation rejects (a DOM `AbortError`), as tRPC tells it. */
function isAbortError(cause: unknown): boolean {
  return typeof cause === "object" && cause !== null && (cause as { name?: unknown }).name === "AbortError";
}

/** Whether a procedure returned a stream: an async iterable or an Observable. */
export function isStream(value: unknown): boolean {
  return isAsyncIterable(value) || isObservable(value);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
