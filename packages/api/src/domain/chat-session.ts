import { type ChatMessage, JOIN_HISTORY_LIMIT, type JoinResult, type RoomId, TYPING_INTERVAL_MS } from "../schema.js";
import type { ChatBroker } from "./broker.js";
import type { Clock } from "./clock.js";
import { ChatError } from "./errors.js";
import { type RateLimitOptions, TokenBucket } from "./rate-limit.js";

/** What every session of a server shares. */
export interface ChatSessionDeps {
  broker: ChatBroker;
  clock: Clock;
  /** The `sendMessage` budget of each connection. */
  sendRate: RateLimitOptions;
}

/**
 * One connection's view of the chat: which rooms it joined under which name, and its send
 * budget. Author names come only from here, never from a message's input.
 */
export class ChatSession {
  /** roomId → the name this connection joined it with. */
  private readonly rooms = new Map<RoomId, string>();
  /** roomId → when this connection's typing signal was last broadcast there; only rooms in `rooms`. */
  private readonly typingSentAt = new Map<RoomId, number>();
  private readonly sendBudget: TokenBucket;

  constructor(
    /** The connection's id, unique per process (`crypto.randomUUID()`). */
    readonly id: string,
    private readonly deps: ChatSessionDeps,
  ) {
    this.sendBudget = new TokenBucket(deps.sendRate, deps.clock);
  }

  /** The rooms this connection is in, with its name in each. */
  get joined(): ReadonlyMap<RoomId, string> {
    return this.rooms;
  }

  /**
   * Joins `roomId` as `username`: announces the name if it was not present yet, and returns the
   * recent history and members. Joining again under the same name changes nothing.
   */
  async join(roomId: RoomId, username: string): Promise<JoinResult> {
    const current = this.rooms.get(roomId);
    if (current !== undefined && current !== username) {
      throw new ChatError("NAME_CONFLICT", `You are already in ${roomId} as ${current}; leave it first to change your name.`);
    }
    if (current === undefined) {
      // Claimed before the first await, so a concurrent second join sees it.
      this.rooms.set(roomId, username);
      let added = false;
      try {
        const arrived = await this.deps.broker.addMember(roomId, username, this.id);
        added = true;
        if (arrived) await this.deps.broker.publish(roomId, { kind: "system", username, text: `${username} joined` });
      } catch (error) {
        // Undo the whole join, so a retry announces it and no ghost member stays behind.
        this.forget(roomId);
        if (added) await this.deps.broker.removeMember(roomId, username, this.id).catch(() => false);
        throw error;
      }
    }
    const [history, members] = await Promise.all([
      this.deps.broker.history(roomId, JOIN_HISTORY_LIMIT),
      this.deps.broker.members(roomId),
    ]);
    return { roomId, username, history, members };
  }

  /** Sends `text` to `roomId` under the name this connection joined it with. */
  async send(roomId: RoomId, text: string): Promise<ChatMessage> {
    const username = this.rooms.get(roomId);
    if (username === undefined) throw new ChatError("NOT_MEMBER", `Join ${roomId} before sending to it.`);
    const retryAfterMs = this.sendBudget.take();
    if (retryAfterMs > 0) {
      throw new ChatError(
        "RATE_LIMITED",
        // Rounded up to a tenth, so the wait is never shown as "0.0 s".
        `You are sending too fast; try again in ${(Math.ceil(retryAfterMs / 100) / 10).toFixed(1)} s.`,
        retryAfterMs,
      );
    }
    return this.deps.broker.publish(roomId, { kind: "user", username, text });
  }

  /**
   * Tells the room's presence readers that this connection is typing there, under the name it
   * joined with, at most once per `TYPING_INTERVAL_MS`; calls in between succeed silently, so a
   * client racing its own throttle never sees an error.
   */
  async typing(roomId: RoomId): Promise<void> {
    const username = this.rooms.get(roomId);
    if (username === undefined) throw new ChatError("NOT_MEMBER", `Join ${roomId} before typing in it.`);
    const now = this.deps.clock.now();
    const last = this.typingSentAt.get(roomId);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) return;
    // Claimed before the await, so concurrent calls broadcast once. A failed broadcast is not
    // retried early: the signal is ephemeral and the client sends the next one anyway.
    this.typingSentAt.set(roomId, now);
    await this.deps.broker.typing(roomId, username);
  }

  /** Leaves `roomId`, announcing it if nobody else holds the name there. Leaving twice is a no-op. */
  async leave(roomId: RoomId): Promise<void> {
    const username = this.rooms.get(roomId);
    if (username === undefined) return;
    // Forget the room only once the broker has let go of the name, so a failed leave can be retried.
    const departed = await this.deps.broker.removeMember(roomId, username, this.id);
    if (this.rooms.get(roomId) === username) this.forget(roomId);
    if (departed) await this.deps.broker.publish(roomId, { kind: "system", username, text: `${username} left` });
  }

  /** Leaves every room: what closing the connection means. */
  async leaveAll(): Promise<void> {
    await Promise.all(Array.from(this.rooms.keys(), (roomId) => this.leave(roomId)));
  }

  /** Drops everything this connection keeps about `roomId`, so state never outlives a membership. */
  private forget(roomId: RoomId): void {
    this.rooms.delete(roomId);
    this.typingSentAt.delete(roomId);
  }
}
