/**
 * Slow consumers: a client that reads slower than the room it listens to writes makes the server
 * buffer on its behalf, without bound, since a chat fans out every message to every reader. Such
 * a connection is closed so that one stalled reader costs a bounded amount of memory.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * Close code for a connection closed as a slow consumer. 4000–4999 are for applications
 * (RFC 6455 §7.4.2); 4008 mirrors HTTP 408, "you took too long", and tells a client that
 * reconnecting (and resuming from its last event id) is the right response.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** Close reason sent with `SLOW_CONSUMER_CLOSE_CODE`. */
export const SLOW_CONSUMER_CLOSE_REASON = "slow consumer";

/** Why a connection was found to be a slow consumer. */
export type SlowConsumerReason = "max_bytes" | "drain_timeout";

/** Limits and hooks of `watchSlowConsumer`. */
export interface SlowConsumerOptions {
  /** Past this many bytes waiting to be written, the connection is closed at once. */
  maxBytes: number;
  /**
   * How long the send buffer may stay non-empty without once draining; also how long the close
   * frame, queued behind that buffer, may take before the socket is cut.
   */
  drainMs: number;
  /** Told once, when the connection is found slow, before it is closed. */
  onSlowConsumer: (reason: SlowConsumerReason, bufferedAmount: number) => void;
  /**
   * The TCP socket under `ws`. When given, the sends of one turn of the event loop are held
   * (`cork()`) and leave together in one write once the turn's I/O callbacks have run, and the
   * buffer is checked then, once. Otherwise every message to every subscriber is its own
   * `writev`, and the reader is woken for each: together they cost about a third less CPU per
   * delivery under load (docs/performance.md, "Profile").
   * @default undefined: every send is written at once and checked after it
   */
  socket?: Pick<Duplex, "cork" | "uncork">;
}

type SendArgs = Parameters<WebSocket["send"]>;
type SendCallback = NonNullable<SendArgs[2]>;

/**
 * Watches one server-side socket's send buffer and closes it with `SLOW_CONSUMER_CLOSE_CODE`
 * when it outgrows `maxBytes` or stays non-empty for `drainMs`, then terminates it if even the
 * close cannot be flushed within `drainMs`. Cheap on purpose: it wraps the socket's `send` once,
 * so every send costs a comparison and a shared write callback, and it keeps at most one timer,
 * armed while the buffer is non-empty, never one per message. With `options.socket`, it also
 * batches each turn's sends into one write.
 */
export function watchSlowConsumer(ws: WebSocket, options: SlowConsumerOptions): void {
  new SlowConsumerWatch(ws, options);
}

/** The watch over one socket; a class, as there is one per connection. */
class SlowConsumerWatch {
  private drainTimer: NodeJS.Timeout | undefined;
  private tripped = false;
  /** Whether `options.socket` is corked until the end of this turn. */
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SlowConsumerOptions,
  ) {
    const send = ws.send.bind(ws);
    ws.send = (data: SendArgs[0], optionsOrCallback?: SendArgs[1] | SendCallback, callback?: SendCallback): void =>
      this.send(send, data, optionsOrCallback, callback);
    ws.once("close", () => this.stopDrainTimer());
  }

  /**
   * A write's callback runs once the kernel has taken it; when the last one has, the buffer is
   * empty, and the drain deadline starts over with the next send that has to wait.
   */
  private readonly afterWrite = (): void => {
    if (this.ws.bufferedAmount === 0) this.stopDrainTimer();
  };

  /** Runs once per turn that sent anything, at the end of the turn (`flushAtEndOfTurn`). */
  flush(): void {
    this.corked = false;
    this.options.socket?.uncork();
    this.afterSend();
  }

  private send(send: WebSocket["send"], data: SendArgs[0], optionsOrCallback?: SendArgs[1] | SendCallback, callback?: SendCallback): void {
    const { socket } = this.options;
    // Only a reader that is keeping up is batched: behind a backlog, writes queue in Node anyway,
    // and each send is checked against `maxBytes` at once, so a lagging reader is caught within
    // one frame of the limit.
    if (socket !== undefined && !this.corked && this.ws.bufferedAmount === 0) {
      this.corked = true;
      socket.cork();
      flushAtEndOfTurn(this);
    }
    const sendOptions = typeof optionsOrCallback === "function" ? {} : (optionsOrCallback ?? {});
    const done = typeof optionsOrCallback === "function" ? optionsOrCallback : callback;
    // The transport never passes a callback: then the socket's one `afterWrite` serves, rather
    // than a new closure per message sent.
    const onWritten: SendCallback =
      done === undefined
        ? this.afterWrite
        : (error) => {
            this.afterWrite();
            done(error);
          };
    send(data, sendOptions, onWritten);
    // Held bytes are not a slow reader's: with a socket, the check waits for `flush`.
    if (!this.corked) this.afterSend();
  }

  private afterSend(): void {
    const { ws } = this;
    // Once closing, sends are dropped, yet `ws` still counts them in `bufferedAmount` (as the
    // WHATWG spec says), so the figure no longer measures the reader.
    if (this.tripped || ws.readyState !== ws.OPEN) return;
    const buffered = ws.bufferedAmount;
    if (buffered > this.options.maxBytes) this.trip("max_bytes");
    else if (buffered > 0 && this.drainTimer === undefined) {
      this.drainTimer = setTimeout(() => {
        this.drainTimer = undefined;
        if (ws.readyState === ws.OPEN && ws.bufferedAmount > 0) this.trip("drain_timeout");
      }, this.options.drainMs).unref();
    }
  }

  private trip(reason: SlowConsumerReason): void {
    if (this.tripped) return;
    this.tripped = true;
    this.stopDrainTimer();
    const { ws } = this;
    this.options.onSlowConsumer(reason, ws.bufferedAmount);
    // `close()` queues the close frame behind the buffered data; a reader that never reads
    // will never see it, so the socket is cut after one more drain period.
    ws.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_CLOSE_REASON);
    const cut = setTimeout(() => ws.terminate(), this.options.drainMs).unref();
    ws.once("close", () => clearTimeout(cut));
  }

  private stopDrainTimer(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
  }
}

/** The sockets corked in this turn of the event loop, to flush at its end. */
let flushes: SlowConsumerWatch[] = [];

/**
 * Flushes `watch` in this turn's check phase (`setImmediate`): after every I/O callback of the turn
 * and the promise jobs they started, so all the broadcasts of the messages that arrived together
 * join the batch, at the cost of a wait no longer than the turn. One immediate serves every
 * socket: a broadcast to a room of 500 would otherwise schedule 500.
 */
function flushAtEndOfTurn(watch: SlowConsumerWatch): void {
  if (flushes.push(watch) === 1) setImmediate(flushAll);
}

function flushAll(): void {
  const due = flushes;
  flushes = [];
  for (const watch of due) watch.flush();
}
