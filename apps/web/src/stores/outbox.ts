/**
 * The tab's outbox: every message the user sends is shown at once as pending and sent under a
 * `clientMessageId` of its own, which the server uses to store it exactly once however often it
 * is sent. A send that lost its connection (before or after the server stored it) is sent again
 * with the same id once the client is back; one refused for sending too fast, or because the server
 * could not reach its message store (a node whose Redis is away), after the delay the server names;
 * one refused for good stays as failed until the user retries or discards it.
 * Framework-free: the store shows what it is told through `OutboxView`. Nothing here survives a
 * page reload.
 */
import type { ReplyQuote } from "@chat/api/schema";
import { type ChatMessage, retryAfterMs } from "@chat/client";
import { errorMessage } from "../lib/error-message";

/** A message of this tab that the server has not confirmed, as the log shows it. */
export interface PendingMessage {
  /** The id the server deduplicates retries by; also the line's key. */
  clientMessageId: string;
  text: string;
  /** The message it answers, quoted above it; `null` when it answers none. */
  replyTo: ReplyQuote | null;
  /**
   * `sending`: on its way, or waiting for the connection, the rate limit or the server's message
   * store to send it again;
   * `failed`: refused for a reason a retry cannot fix, until the user retries or discards it.
   */
  status: "sending" | "failed";
  /** Why it was refused, in words; `null` while sending. */
  error: string | null;
}

/** How the outbox changes the page; the store applies each call to its state in one update. */
export interface OutboxView {
  /** Shows `line` after the room's other pending lines, or updates it where it is. */
  put(roomId: string, line: PendingMessage): void;
  /** Takes the line away (if shown) and, with `stored`, shows the server's copy in the same update. */
  remove(roomId: string, clientMessageId: string, stored: ChatMessage | null): void;
}

/** What the outbox needs from the store. */
export interface OutboxDeps {
  /** `sendMessage` on the connection, which holds calls while it reconnects and re-joins. */
  sendMessage(input: { roomId: string; text: string; clientMessageId: string; replyTo?: string }): Promise<ChatMessage>;
  view: OutboxView;
  /** Whether the connection is gone for good, so a lost send is left pending instead of sent again. */
  closed(): boolean;
  /** @default crypto.randomUUID */
  newId?: () => string;
}

/** The store's handle on the outbox. */
export interface Outbox {
  /**
   * Shows `text` as pending in `roomId` (answering `replyTo`, if given) and sends it; resolves
   * `true` once stored, `false` if refused for good or dropped.
   */
  send(roomId: string, text: string, replyTo?: ReplyQuote | null): Promise<boolean>;
  /** Sends a failed message again, under the same id. */
  retry(clientMessageId: string): void;
  /** Drops a failed message. */
  discard(clientMessageId: string): void;
  /**
   * Called with each new message from the user's own name arriving on the room's stream: when it
   * reads like one still waiting for its reply, it takes that line's place, so the log never
   * shows both. The reply then settles which message it was.
   */
  claim(roomId: string, message: ChatMessage): void;
  /** Forgets a left room's messages: nothing more is sent or shown for them. */
  dropRoom(roomId: string): void;
  /** Stops every retry. */
  dispose(): void;
}

/** What to do after a failed send. */
export type SendFailure =
  | { kind: "connection" }
  | { kind: "later"; retryAfterMs: number }
  | { kind: "refused"; reason: string };

/**
 * Sorts a failed send: the socket closed under it (its fate unknown: send again), refused for
 * now (sent too fast, or the server's store unreachable: wait as told; nothing was stored, and
 * the retry goes under the same client message id), or refused by the server for anything else,
 * which sending the same input again would not change (bad input, not a member, a server fault):
 * the user decides.
 */
export function classifySendFailure(error: unknown): SendFailure {
  const waitMs = retryAfterMs(error);
  if (waitMs !== null) return { kind: "later", retryAfterMs: waitMs };
  if (field(field(error, "data"), "code") === undefined && lostSocket(field(error, "cause"))) return { kind: "connection" };
  return { kind: "refused", reason: errorMessage(error) };
}

/**
 * Whether a call failed because its socket went: tRPC then gives no server data, and as the
 * cause the socket's `close` or `error` event, or its own `TRPCWebSocketClosedError`.
 */
function lostSocket(cause: unknown): boolean {
  const type = field(cause, "type");
  return type === "close" || type === "error" || field(cause, "name") === "TRPCWebSocketClosedError";
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** One message on its way. */
interface Entry {
  readonly roomId: string;
  readonly line: PendingMessage;
  /** The id of a received message presumed to be this one, whose place in the log it took. */
  claimedBy: string | null;
  /** Counts sends, so the reply of a send that was given up on is ignored. */
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly settle: (stored: boolean) => void;
}

/** Creates the outbox of one tab. */
export function createOutbox(deps: OutboxDeps): Outbox {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  /** By client message id; a Map keeps them in the order they were sent. */
  const entries = new Map<string, Entry>();

  const forget = (entry: Entry): void => {
    entries.delete(entry.line.clientMessageId);
    clearTimeout(entry.timer);
    entry.attempt++;
  };

  const stored = (entry: Entry, message: ChatMessage): void => {
    forget(entry);
    // A line whose place a received copy already took has nothing left to show, unless that
    // copy turns out to be another message (the same words sent from another tab).
    deps.view.remove(entry.roomId, entry.line.clientMessageId, entry.claimedBy === message.id ? null : message);
    entry.settle(true);
  };

  const failed = (entry: Entry, error: unknown): void => {
    const failure = classifySendFailure(error);
    if (failure.kind === "connection") {
      // The client holds the call until it is back online and has re-joined, so it can go now.
      if (!deps.closed()) attempt(entry);
      return;
    }
    if (failure.kind === "later") {
      entry.timer = setTimeout(() => attempt(entry), failure.retryAfterMs);
      return;
    }
    entry.claimedBy = null;
    Object.assign(entry.line, { status: "failed", error: failure.reason });
    deps.view.put(entry.roomId, { ...entry.line });
    entry.settle(false);
  };

  const attempt = (entry: Entry): void => {
    const current = ++entry.attempt;
    const { roomId } = entry;
    const { text, clientMessageId, replyTo } = entry.line;
    deps.sendMessage({ roomId, text, clientMessageId, ...(replyTo === null ? {} : { replyTo: replyTo.id }) }).then(
      (message) => {
        if (entry.attempt === current) stored(entry, message);
      },
      (error: unknown) => {
        if (entry.attempt === current) failed(entry, error);
      },
    );
  };

  /** Gives up on the chosen messages without touching the view: their room or the tab is going away. */
  const drop = (chosen: (entry: Entry) => boolean): void => {
    for (const entry of [...entries.values()]) {
      if (!chosen(entry)) continue;
      forget(entry);
      entry.settle(false);
    }
  };

  const failedEntry = (clientMessageId: string): Entry | undefined => {
    const entry = entries.get(clientMessageId);
    return entry?.line.status === "failed" ? entry : undefined;
  };

  return {
    send(roomId, text, replyTo = null) {
      return new Promise<boolean>((settle) => {
        const line: PendingMessage = { clientMessageId: newId(), text, replyTo, status: "sending", error: null };
        const entry: Entry = { roomId, line, claimedBy: null, attempt: 0, timer: undefined, settle };
        entries.set(line.clientMessageId, entry);
        deps.view.put(roomId, { ...line });
        attempt(entry);
      });
    },
    retry(clientMessageId) {
      const entry = failedEntry(clientMessageId);
      if (entry === undefined) return;
      Object.assign(entry.line, { status: "sending", error: null });
      deps.view.put(entry.roomId, { ...entry.line });
      attempt(entry);
    },
    discard(clientMessageId) {
      const entry = failedEntry(clientMessageId);
      if (entry === undefined) return;
      forget(entry);
      deps.view.remove(entry.roomId, clientMessageId, null);
    },
    claim(roomId, message) {
      for (const entry of entries.values()) {
        if (entry.roomId !== roomId || entry.claimedBy !== null || entry.line.status === "failed") continue;
        if (entry.line.text !== message.text || (entry.line.replyTo?.id ?? null) !== (message.replyTo?.id ?? null)) continue;
        entry.claimedBy = message.id;
        deps.view.remove(roomId, entry.line.clientMessageId, null);
        return;
      }
    },
    dropRoom(roomId) {
      drop((entry) => entry.roomId === roomId);
    },
    dispose() {
      drop(() => true);
    },
  };
}
