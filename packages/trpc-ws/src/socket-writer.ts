/**
 * Everything the transport writes to one socket goes through its `SocketWriter`, which keeps what
 * a connection costs bounded however little its reader reads:
 *
 * - Once `paceBytes` wait in the socket's buffer, subscription events wait as references in their
 *   subscription (`Paced`) instead of as bytes, and the socket stops being read, so the client
 *   cannot make the server do more until it takes what it was sent. The events go out, in order,
 *   as the buffer drains: a replay of a hundred long messages to a hundred subscriptions is
 *   written a buffer's worth at a time, never all in one turn.
 * - The buffer is checked at every send: past `maxBytes` (which only answers to calls can reach,
 *   since events wait), the connection is a slow consumer and is closed with 4008. So it is when
 *   the buffer stays non-empty for `drainMs`, or more than `maxWaiting` events wait.
 * - A keeping-up reader's sends of one turn are held (`cork()`) and leave together in one write at
 *   its end: one syscall and one wakeup of the reader per turn instead of one per frame
 *   (docs/performance.md, "Profile").
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * The default close code for a connection closed as a slow consumer. 4000–4999 are for
 * applications (RFC 6455 §7.4.2); 4008 mirrors HTTP 408, "you took too long", and tells a client
 * that reconnecting (and resuming from its last event id) is the right response.
 */
const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** Why a connection was found to be a slow consumer. */
export type SlowConsumerReason = "max_bytes" | "max_waiting" | "drain_timeout";

/** The transport's limits on what one connection may cost in unsent data. */
export interface BackpressureOptions {
  /** Bytes waiting in the socket's buffer past which the connection is closed at once. @default Infinity */
  maxBytes?: number;
  /**
   * How long the buffer may stay non-empty without once draining; also how long the close frame,
   * queued behind it, may take before the socket is cut. @default Infinity
   */
  drainMs?: number;
  /** Bytes waiting in the buffer from which events wait in their subscriptions instead. @default 65536 */
  paceBytes?: number;
  /** Events that may wait in a connection's subscriptions before it is a slow consumer. @default Infinity */
  maxWaiting?: number;
  /** What a slow consumer is closed with. @default { code: 4008, reason: "slow consumer" } */
  close?: { code: number; reason: string };
}

/** A subscription whose events wait for the socket to drain. */
export interface Paced {
  /** Writes what waits while the writer is not congested; true once nothing waits any more. */
  resume(): boolean;
}

/** An event frame is UTF-8 text already: `ws` is told so rather than left to guess "binary". */
const AS_TEXT = { binary: false } as const;
/** What a binary encoder (`experimental_encoder`) makes is sent as binary. */
const AS_BINARY = { binary: true } as const;

/** The writer of one connection; a class, as there is one per connection. */
export class SocketWriter {
  /** Subscriptions with events waiting, in the order they began to wait; made when first needed. */
  private paced: Paced[] | null = null;
  private waiting = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  private tripped = false;
  /** Set while `flushWaiting` runs, so that nothing counts as congested. */
  private flushingAll = false;
  /** Whether `socket` is corked until the end of this turn. */
  private corked = false;
  private readPaused = false;
  private readonly paceBytes: number;
  private readonly maxWaiting: number;
  private readonly maxBytes: number;
  private readonly drainMs: number;
  private readonly close: { code: number; reason: string };

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under `ws`: corked per turn, and told when it drains. */
    private readonly socket: Duplex,
    options: BackpressureOptions,
    /** Told once, when the connection is found slow, before it is closed. */
    private readonly onSlowConsumer: (reason: SlowConsumerReason, bufferedAmount: number) => void,
  ) {
    this.paceBytes = options.paceBytes ?? 65_536;
    this.maxWaiting = options.maxWaiting ?? Infinity;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.drainMs = options.drainMs ?? Infinity;
    this.close = options.close ?? { code: SLOW_CONSUMER_CLOSE_CODE, reason: "slow consumer" };
    ws.once("close", () => this.stopDrainTimer());
  }

  /** Whether events should wait rather than be written: the reader is behind by `paceBytes`. */
  get congested(): boolean {
    return !this.flushingAll && this.ws.bufferedAmount >= this.paceBytes;
  }

  /** Writes `data` (a frame, or a response; bytes are text unless `binary`) unless the socket is no longer open. */
  send(data: string | Uint8Array, binary = false): void {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return;
    // Only a reader that is keeping up is batched: behind a backlog, writes queue in Node anyway.
    if (!this.corked && ws.bufferedAmount === 0) {
      this.corked = true;
      this.socket.cork();
      flushAtEndOfTurn(this);
    }
    ws.send(data, binary ? AS_BINARY : AS_TEXT, this.afterWrite);
    this.check();
  }

  /** A subscription begins to hold events back; it holds one now, and is resumed as the socket drains. */
  pace(paced: Paced): void {
    (this.paced ??= []).push(paced);
    this.held(1);
  }

  /** `count` more events wait (negative: that many were written, or dropped with their subscription). */
  held(count: number): void {
    this.waiting += count;
    if (count <= 0) return;
    if (this.waiting > this.maxWaiting) this.trip("max_waiting");
    else if (!this.readPaused) {
      // Nothing more is read from a client that does not read what it was sent.
      this.readPaused = true;
      this.ws.pause();
    }
  }

  /** Writes everything that waits, whatever the buffer holds: for a shutdown that must deliver it all before closing. */
  flushWaiting(): void {
    this.flushingAll = true;
    for (const paced of this.paced?.splice(0) ?? []) paced.resume();
    this.flushingAll = false;
  }

  /** Runs once per turn that sent anything, at the end of the turn (`flushAtEndOfTurn`). */
  flush(): void {
    this.corked = false;
    this.socket.uncork();
    this.check();
  }

  /**
   * A write's callback runs once the kernel has taken it; when the last one has, the buffer is
   * empty, and the drain deadline starts over with the next send that has to wait. Once the
   * buffer is down to half the pace, what waits goes out, and reading resumes once nothing waits:
   * checked while reading is paused too, since the last event written may have filled the buffer
   * again with nothing left waiting. (Not on the socket's `drain` event: that comes only after a
   * write past the stream's high-water mark, which Node 22 raised to 64 KiB.)
   */
  private readonly afterWrite = (): void => {
    const buffered = this.ws.bufferedAmount;
    if (buffered === 0) this.stopDrainTimer();
    if (this.readPaused && buffered <= this.paceBytes / 2) this.drained();
  };

  /** The socket's buffer has drained: what waits goes out, in order, until it fills again. */
  private drained(): void {
    const paced = this.paced ?? [];
    while (paced.length > 0 && !this.congested) {
      const first = paced[0];
      if (first === undefined || !first.resume()) break;
      paced.shift();
    }
    if (paced.length === 0 && this.readPaused && !this.congested) {
      this.readPaused = false;
      this.ws.resume();
    }
  }

  private check(): void {
    const { ws } = this;
    // Once closing, sends are dropped, yet `ws` still counts them in `bufferedAmount` (as the
    // WHATWG spec says), so the figure no longer measures the reader.
    if (this.tripped || ws.readyState !== ws.OPEN) return;
    const buffered = ws.bufferedAmount;
    if (buffered > this.maxBytes) this.trip("max_bytes");
    // Bytes held by the cork are not a slow reader's: the drain deadline starts, if at all, once
    // they have been handed over (`flush`). Arming it for every corked socket of every turn would
    // cost a timer per reader per turn.
    else if (buffered > 0 && !this.corked && this.drainTimer === undefined && Number.isFinite(this.drainMs)) {
      this.drainTimer = setTimeout(() => {
        this.drainTimer = undefined;
        if (ws.readyState === ws.OPEN && ws.bufferedAmount > 0) this.trip("drain_timeout");
      }, this.drainMs).unref();
    }
  }

  private trip(reason: SlowConsumerReason): void {
    if (this.tripped) return;
    this.tripped = true;
    this.stopDrainTimer();
    const { ws } = this;
    this.onSlowConsumer(reason, ws.bufferedAmount);
    // `close()` queues the close frame behind the buffered data; a reader that never reads
    // will never see it, so the socket is cut after one more drain period.
    ws.close(this.close.code, this.close.reason);
    if (!Number.isFinite(this.drainMs)) return;
    const cut = setTimeout(() => ws.terminate(), this.drainMs).unref();
    ws.once("close", () => clearTimeout(cut));
  }

  private stopDrainTimer(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
  }
}

/** The writers corked in this turn of the event loop, to flush at its end. */
let flushes: SocketWriter[] = [];

/**
 * Flushes `writer` in this turn's check phase (`setImmediate`): after every I/O callback of the
 * turn and the promise jobs they started, so all the broadcasts of the messages that arrived
 * together join the batch, at the cost of a wait no longer than the turn. One immediate serves
 * every socket: a broadcast to a room of 500 would otherwise schedule 500.
 */
function flushAtEndOfTurn(writer: SocketWriter): void {
  if (flushes.push(writer) === 1) setImmediate(flushAll);
}

function flushAll(): void {
  const due = flushes;
  flushes = [];
  for (const writer of due) writer.flush();
}
