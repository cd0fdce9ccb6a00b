import { type ChatMessage, JOIN_HISTORY_LIMIT, type JoinResult, type RoomId, TYPING_INTERVAL_MS } from "../schema.js";
import type { ChatBroker } from "./broker.js";
import type { Clock } from "./clock.js";
import { ChatError, rateLimited } from "./errors.js";
import { type RateLimitOptions, TokenBucket } from "./rate-limit.js";

/** What every session of a server shares. */
export interface ChatSessionDeps {
  broker: ChatBroker;
  clock: Clock;
  /** The `sendMessage` budget of each connection. */
  sendRate: RateLimitOptions;
}

/** How much one connection may hold at once, and how fast it may join rooms. */
export interface SessionLimits {
  /** The `joinRoom` budget; a re-join under the same name is free. @default { burst: 10, perSecond: 1 } */
  joinRate: RateLimitOptions;
  /**
   * The `sendTyping` budget, across rooms. Honest clients signal at most once per
   * `TYPING_INTERVAL_MS` per room and never reach it; a flood is refused, and counts as strikes.
   * @default { burst: 10, perSecond: 1 }
   */
  typingRate: RateLimitOptions;
  /** Rooms joined at once. @default 20 */
  maxRooms: number;
  /** `onMessage` and `onPresence` subscriptions open at once. @default 100 */
  maxSubscriptions: number;
}

/** The limits of a session that is given none. */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = {
  joinRate: { burst: 10, perSecond: 1 },
  typingRate: { burst: 10, perSecond: 1 },
  maxRooms: 20,
  maxSubscriptions: 100,
};

/**
 * One connection's view of the chat: which rooms it joined under which name, its send and join
 * budgets, and its open subscriptions. Author names come only from here, never from a message's
 * input.
 */
export class ChatSession {
  /** roomId → the name this connection joined it with. */
  private readonly rooms = new Map<RoomId, string>();
  /** roomId → when this connection's typing signal was last broadcast there; only rooms in `rooms`. */
  private readonly typingSentAt = new Map<RoomId, number>();
  private readonly sendBudget: TokenBucket;
  private readonly joinBudget: TokenBucket;
  private readonly typingBudget: TokenBucket;
  private readonly limits: SessionLimits;
  private subscriptions = 0;

  constructor(
    /** The connection's id, unique per process (`crypto.randomUUID()`). */
    readonly id: string,
    private readonly deps: ChatSessionDeps,
    /** This connection's limits; any left out are `DEFAULT_SESSION_LIMITS`'. */
    limits: Partial<SessionLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.sendBudget = new TokenBucket(deps.sendRate, deps.clock);
    this.joinBudget = new TokenBucket(this.limits.joinRate, deps.clock);
    this.typingBudget = new TokenBucket(this.limits.typingRate, deps.clock);
  }

  /** The rooms this connection is in, with its name in each. */
  get joined(): ReadonlyMap<RoomId, string> {
    return this.rooms;
  }

  /** How many subscriptions hold a slot of this connection. */
  get openSubscriptions(): number {
    return this.subscriptions;
  }

  /**
   * Joins `roomId` as `username`: announces the name if it was not present yet, and returns the
   * recent history and members. Joining again under the same name changes nothing and costs
   * nothing (a no-op by contract, so a client may repeat it safely); a new room must fit in the
   * room limit and the join budget.
   */
  async join(roomId: RoomId, username: string): Promise<JoinResult> {
    const current = this.rooms.get(roomId);
    if (current !== undefined && current !== username) {
      throw new ChatError("NAME_CONFLICT", `You are already in ${roomId} as ${current}; leave it first to change your name.`);
    }
    if (current === undefined) {
      this.admitJoin();
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

  /**
   * Sends `text` to `roomId` under the name this connection joined it with. With a
   * `clientMessageId` already stored by this name in the room within `CLIENT_MESSAGE_ID_TTL_MS`,
   * returns that message instead of storing another.
   */
  async send(roomId: RoomId, text: string, clientMessageId?: string): Promise<ChatMessage> {
    const username = this.rooms.get(roomId);
    if (username === undefined) throw new ChatError("NOT_MEMBER", `Join ${roomId} before sending to it.`);
    // The budget is checked by the broker, once it knows the message is new: a retry that gets
    // the stored original back costs no token, and two identical sends racing each other cost
    // one. Checking before `publish` would charge retries; refunding afterwards would refuse a
    // retry whenever the bucket happened to be empty.
    const admit = (): void => {
      const retryAfterMs = this.sendBudget.take();
      if (retryAfterMs > 0) throw rateLimited("sending", retryAfterMs);
    };
    return this.deps.broker.publish(roomId, { kind: "user", username, text }, { clientMessageId, admit });
  }

  /**
   * Tells the room's presence readers that this connection is typing there, under the name it
   * joined with, at most once per `TYPING_INTERVAL_MS`; calls in between succeed silently, so a
   * client racing its own throttle never sees an error.
   */
  async typing(roomId: RoomId): Promise<void> {
    const username = this.rooms.get(roomId);
    if (username === undefined) throw new ChatError("NOT_MEMBER", `Join ${roomId} before typing in it.`);
    const retryAfterMs = this.typingBudget.take();
    if (retryAfterMs > 0) throw rateLimited("signalling typing", retryAfterMs);
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

  /**
   * Takes one of this connection's subscription slots until `signal` aborts, which the transport
   * does when the client stops the subscription or the connection closes; counting at the start
   * and the end only, so a message costs nothing. Returns the release, for a subscription that
   * fails to start; releasing twice frees one slot.
   */
  openSubscription(signal: AbortSignal): () => void {
    const { maxSubscriptions } = this.limits;
    if (this.subscriptions >= maxSubscriptions) {
      throw new ChatError(
        "SUBSCRIPTION_LIMIT",
        `You have ${counted(maxSubscriptions, "subscription")} open, the most one connection may have; stop one first.`,
      );
    }
    this.subscriptions++;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.subscriptions--;
      signal.removeEventListener("abort", release);
    };
    // An aborted signal never fires again: such a subscription is over before it began.
    if (signal.aborted) release();
    else signal.addEventListener("abort", release, { once: true });
    return release;
  }

  /**
   * Refuses a join of a new room past the room limit, then past the join budget; checked in that
   * order so a refusal costs no token.
   */
  private admitJoin(): void {
    const { maxRooms } = this.limits;
    if (this.rooms.size >= maxRooms) {
      throw new ChatError("ROOM_LIMIT", `You are in ${counted(maxRooms, "room")}, the most one connection may be in; leave one first.`);
    }
    const retryAfterMs = this.joinBudget.take();
    if (retryAfterMs > 0) throw rateLimited("joining rooms", retryAfterMs);
  }

  /** Drops everything this connection keeps about `roomId`, so state never outlives a membership. */
  private forget(roomId: RoomId): void {
    this.rooms.delete(roomId);
    this.typingSentAt.delete(roomId);
  }
}

/** "1 room", "20 rooms". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
