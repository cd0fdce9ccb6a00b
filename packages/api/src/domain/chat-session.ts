import {
  type ChatMessage,
  type HistoryPage,
  type InviteResult,
  JOIN_HISTORY_LIMIT,
  JOIN_HISTORY_MAX_BYTES,
  type JoinResult,
  READ_MAX_BYTES,
  type RoomId,
  type SearchResult,
  TYPING_INTERVAL_MS,
} from "../schema.js";
import { AccessControl, DEFAULT_NAME_CLAIM_TTL_MS, type EnterOptions } from "./access-control.js";
import type { AddressBudget } from "./address-budgets.js";
import type { ChatBroker } from "./broker.js";
import type { Clock } from "./clock.js";
import { ChatError, networkRateLimited, rateLimited } from "./errors.js";
import { connectionIdentity, type Identity } from "./identity.js";
import { mentionsIn } from "./mentions.js";
import { messageBytes } from "./message-size.js";
import { type MessageChange, messageNotFound, quoteOf } from "./message-state.js";
import { type RateLimitOptions, TokenBucket } from "./rate-limit.js";
import type { SystemLines } from "./system-lines.js";

/** What every session of a server shares. */
export interface ChatSessionDeps {
  broker: ChatBroker;
  clock: Clock;
  /** The `sendMessage` budget of each connection. */
  sendRate: RateLimitOptions;
  /** Writes the rooms' join and leave lines. */
  systemLines: SystemLines;
  /** Where messages admitted are counted, for metrics; none: they are not. */
  counts?: SessionCounts;
  /** How long a name stays held while its holder does not use it (`NAME_CLAIM_TTL_DAYS`). @default 30 days */
  nameClaimTtlMs?: number;
}

/** What sessions count for a server's metrics: plain numbers, read when metrics are scraped. */
export interface SessionCounts {
  /** Messages from clients admitted for storing (`sendMessage`; a retry of a stored one is not). */
  messagesIn: number;
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
  /**
   * Subscriptions started: each may replay up to `REPLAY_LIMIT` messages, so starting them costs.
   * The burst covers a client re-subscribing to both streams of all its rooms after a reconnect.
   * @default { burst: 60, perSecond: 2 }
   */
  subscribeRate: RateLimitOptions;
  /**
   * `history` pages and `search` queries, together: each reads up to a page of messages from the
   * store. The burst covers scrolling back through a long conversation at reading speed and a
   * search typed a word at a time. @default { burst: 30, perSecond: 3 }
   */
  readRate: RateLimitOptions;
}

/** The limits of a session that is given none. */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = {
  joinRate: { burst: 10, perSecond: 1 },
  typingRate: { burst: 10, perSecond: 1 },
  maxRooms: 20,
  maxSubscriptions: 100,
  subscribeRate: { burst: 60, perSecond: 2 },
  readRate: { burst: 30, perSecond: 3 },
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
  private readonly subscribeBudget: TokenBucket;
  private readonly readBudget: TokenBucket;
  private readonly limits: SessionLimits;
  private readonly access: AccessControl;
  private subscriptions = 0;

  constructor(
    /** The connection's id, unique across a cluster (`connectionId()`). */
    readonly id: string,
    private readonly deps: ChatSessionDeps,
    /** This connection's limits; any left out are `DEFAULT_SESSION_LIMITS`'. */
    limits: Partial<SessionLimits> = {},
    /** What everyone on this connection's network address shares; none: only the connection's own limits apply. */
    private readonly address?: AddressBudget,
    /** Who the connection is; none: nobody but the connection itself. */
    identity: Identity = connectionIdentity(id),
  ) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.access = new AccessControl(identity, deps.broker.access, deps.clock, deps.nameClaimTtlMs ?? DEFAULT_NAME_CLAIM_TTL_MS);
    this.sendBudget = new TokenBucket(deps.sendRate, deps.clock);
    this.joinBudget = new TokenBucket(this.limits.joinRate, deps.clock);
    this.typingBudget = new TokenBucket(this.limits.typingRate, deps.clock);
    this.subscribeBudget = new TokenBucket(this.limits.subscribeRate, deps.clock);
    this.readBudget = new TokenBucket(this.limits.readRate, deps.clock);
  }

  /** Who the connection is. */
  get identity(): Identity {
    return this.access.identity;
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
   * recent history and members. Joining again under the same name changes nothing (a no-op by
   * contract, so a client may repeat it safely) but costs a join, as its answer does; a new room
   * must fit in the room limit and the join budget, and a room nobody has used yet in the room
   * creation budget of the network address. The name must be free or this identity's, and a
   * private room must admit it (`AccessControl.enter`).
   */
  async join(roomId: RoomId, username: string, options: EnterOptions = {}): Promise<JoinResult> {
    const current = this.rooms.get(roomId);
    if (current !== undefined && current !== username) {
      throw new ChatError("NAME_CONFLICT", `You are already in ${roomId} as ${current}; leave it first to change your name.`);
    }
    let isPrivate: boolean;
    if (current === undefined) {
      this.checkRoomLimit();
      this.checkBudget("joining rooms", this.joinBudget, this.address?.join);
      // Claimed before the first await, so a concurrent second join sees it.
      this.rooms.set(roomId, username);
      let added = false;
      try {
        // Asked once at most: whether this join creates the room.
        let exists: Promise<boolean> | undefined;
        const roomExists = (): Promise<boolean> => (exists ??= this.deps.broker.hasRoom(roomId));
        const created = this.address !== undefined && !(await roomExists());
        if (created) this.checkBudget("creating rooms", undefined, this.address?.createRoom);
        this.spend("joining rooms", this.joinBudget, this.address?.join);
        if (created) this.address?.createRoom.take();
        await this.access.holdName(username);
        isPrivate = await this.access.enter(roomId, options, roomExists);
        const arrived = await this.deps.broker.addMember(roomId, username, this.id);
        added = true;
        if (arrived) await this.deps.systemLines.announce(roomId, username, "joined");
      } catch (error) {
        // Undo the whole join, so a retry announces it and no ghost member stays behind.
        this.forget(roomId);
        if (added) await this.deps.broker.removeMember(roomId, username, this.id).catch(() => false);
        throw error;
      }
    } else {
      this.spend("joining rooms", this.joinBudget, this.address?.join);
      isPrivate = await this.access.enter(roomId, options, () => this.deps.broker.hasRoom(roomId));
    }
    const [history, members] = await Promise.all([
      this.deps.broker.history(roomId, JOIN_HISTORY_LIMIT),
      this.deps.broker.members(roomId),
    ]);
    return { roomId, username, private: isPrivate, history: withinBytes(history, JOIN_HISTORY_MAX_BYTES), members };
  }

  /**
   * Sends `text` to `roomId` under the name this connection joined it with. With a
   * `clientMessageId` already stored by this name in the room within `CLIENT_MESSAGE_ID_TTL_MS`,
   * returns that message instead of storing another.
   */
  async send(roomId: RoomId, text: string, clientMessageId?: string, replyTo?: string): Promise<ChatMessage> {
    const username = this.nameIn(roomId, "sending to it");
    const [quoted, mentions] = await Promise.all([replyTo === undefined ? undefined : this.replyTarget(roomId, replyTo), this.mentions(roomId, text)]);
    // The budget is checked by the broker, once it knows the message is new: a retry that gets
    // the stored original back costs no token, and two identical sends racing each other cost
    // one. Checking before `publish` would charge retries; refunding afterwards would refuse a
    // retry whenever the bucket happened to be empty.
    const admit = (): void => {
      this.spend("sending", this.sendBudget, this.address?.send);
      if (this.deps.counts) this.deps.counts.messagesIn++;
    };
    const draft = { kind: "user" as const, username, text, authorId: this.identity.id, replyTo: quoted && quoteOf(quoted), mentions };
    return this.deps.broker.publish(roomId, draft, { clientMessageId, admit });
  }

  /** Replaces the text of one of this identity's messages in `roomId`; costs a send token. */
  async edit(roomId: RoomId, messageId: string, text: string): Promise<ChatMessage> {
    this.nameIn(roomId, "editing messages there");
    this.spend("sending", this.sendBudget, this.address?.send);
    return this.change(roomId, messageId, { type: "edit", text, mentions: await this.mentions(roomId, text) });
  }

  /** Deletes one of this identity's messages in `roomId`, text and all; costs a send token. */
  async delete(roomId: RoomId, messageId: string): Promise<ChatMessage> {
    this.nameIn(roomId, "deleting messages there");
    this.spend("sending", this.sendBudget, this.address?.send);
    return this.change(roomId, messageId, { type: "delete" });
  }

  /**
   * Adds (`on`) or takes back this connection's `emoji` reaction to a message of `roomId`, under the
   * name it joined with; doing either twice changes nothing. Costs a send token, so reactions are
   * bounded like messages.
   */
  async react(roomId: RoomId, messageId: string, emoji: string, on: boolean): Promise<ChatMessage> {
    const username = this.nameIn(roomId, "reacting there");
    this.spend("sending", this.sendBudget, this.address?.send);
    return this.change(roomId, messageId, { type: "react", emoji, username, on });
  }

  /**
   * Tells the room's presence readers that this connection is typing there, under the name it
   * joined with, at most once per `TYPING_INTERVAL_MS`; calls in between succeed silently, so a
   * client racing its own throttle never sees an error.
   */
  async typing(roomId: RoomId): Promise<void> {
    const username = this.nameIn(roomId, "typing in it");
    this.spend("signalling typing", this.typingBudget, this.address?.typing);
    const now = this.deps.clock.now();
    const last = this.typingSentAt.get(roomId);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) return;
    // Claimed before the await, so concurrent calls broadcast once. A failed broadcast is not
    // retried early: the signal is ephemeral and the client sends the next one anyway.
    this.typingSentAt.set(roomId, now);
    await this.deps.broker.typing(roomId, username);
  }

  /**
   * The `limit` messages of `roomId` just before `before` (the newest when absent), oldest first:
   * readable without joining, like the room's stream. Costs a read token; an answer longer than
   * `READ_MAX_BYTES` keeps its newest messages and says `hasMore`, so paging on loses nothing.
   */
  async history(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    this.spend("reading history", this.readBudget, undefined);
    await this.access.checkReadable(roomId);
    const page = await this.deps.broker.historyPage(roomId, before, limit);
    const messages = withinBytes(page.messages, READ_MAX_BYTES);
    return { messages, hasMore: page.hasMore || messages.length < page.messages.length };
  }

  /** Up to `limit` of the room's messages that match the words of `query`, newest first; costs a read token. */
  async search(roomId: RoomId, query: string, limit: number): Promise<SearchResult> {
    this.spend("searching", this.readBudget, undefined);
    await this.access.checkReadable(roomId);
    const found = await this.deps.broker.search(roomId, query, limit);
    // `withinBytes` keeps the end of an oldest-first list: the newest, here the first.
    return { messages: withinBytes(found.toReversed(), READ_MAX_BYTES).reverse() };
  }

  /** Leaves `roomId`, announcing it if nobody else holds the name there. Leaving twice is a no-op. */
  async leave(roomId: RoomId): Promise<void> {
    const username = this.rooms.get(roomId);
    if (username === undefined) return;
    // Forget the room only once the broker has let go of the name, so a failed leave can be retried.
    const departed = await this.deps.broker.removeMember(roomId, username, this.id);
    if (this.rooms.get(roomId) === username) this.forget(roomId);
    if (departed) await this.deps.systemLines.announce(roomId, username, "left");
  }

  /** Leaves every room, and lets go of the names a connection without an identity held: what closing the connection means. */
  async leaveAll(): Promise<void> {
    await Promise.all(Array.from(this.rooms.keys(), (roomId) => this.leave(roomId)));
    await this.access.releaseNames();
  }

  /** Refuses a stream of a private room to anyone but its members: checked once, when it starts. */
  checkReadable(roomId: RoomId): Promise<void> {
    return this.access.checkReadable(roomId);
  }

  /** A new invite to a private room this identity is a member of; costs a join. */
  createInvite(roomId: RoomId): Promise<InviteResult> {
    this.spend("creating invites", this.joinBudget, this.address?.join);
    return this.access.createInvite(roomId);
  }

  /** Makes every invite of a private room this identity is a member of stop working. */
  revokeInvites(roomId: RoomId): Promise<void> {
    return this.access.revokeInvites(roomId);
  }

  /** The private rooms this identity may see in the room list. */
  privateRooms(): Promise<RoomId[]> {
    return this.access.privateRooms();
  }

  /**
   * Takes one of this connection's subscription slots until `signal` aborts, which the transport
   * does when the client stops the subscription or the connection closes; counting at the start
   * and the end only, so a message costs nothing. Starting one costs a token of the subscription
   * budget, checked after the slot limit so that a refusal for either costs nothing. Returns the
   * release, for a subscription that fails to start; releasing twice frees one slot.
   */
  openSubscription(signal: AbortSignal): () => void {
    const { maxSubscriptions } = this.limits;
    if (this.subscriptions >= maxSubscriptions) {
      throw new ChatError(
        "SUBSCRIPTION_LIMIT",
        `You have ${counted(maxSubscriptions, "subscription")} open, the most one connection may have; stop one first.`,
      );
    }
    this.spend("opening subscriptions", this.subscribeBudget, undefined);
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

  /** The name this connection joined `roomId` with; refuses `doing` anything there before joining. */
  private nameIn(roomId: RoomId, doing: string): string {
    const username = this.rooms.get(roomId);
    if (username === undefined) throw new ChatError("NOT_MEMBER", `Join ${roomId} before ${doing}.`);
    return username;
  }

  /** Stores a change as this identity's. */
  private change(roomId: RoomId, messageId: string, change: MessageChange): Promise<ChatMessage> {
    return this.deps.broker.change(roomId, messageId, { change, actorId: this.identity.id });
  }

  /** The message a reply answers: one of the room's messages from a person, not deleted. */
  private async replyTarget(roomId: RoomId, messageId: string): Promise<ChatMessage> {
    const message = await this.deps.broker.message(roomId, messageId);
    if (message?.kind !== "user" || message.deleted) throw messageNotFound(roomId, messageId);
    return message;
  }

  /** The members of `roomId` that `text` calls by `@name`; asks for the members only when `text` holds an `@`. */
  private async mentions(roomId: RoomId, text: string): Promise<string[]> {
    if (!text.includes("@")) return [];
    const members = await this.deps.broker.members(roomId);
    return mentionsIn(text, members.map((member) => member.username));
  }

  /** Refuses a join of a new room past the room limit: checked first, so such a refusal costs no token. */
  private checkRoomLimit(): void {
    const { maxRooms } = this.limits;
    if (this.rooms.size >= maxRooms) {
      throw new ChatError("ROOM_LIMIT", `You are in ${counted(maxRooms, "room")}, the most one connection may be in; leave one first.`);
    }
  }

  /**
   * Refuses, without taking anything, when this connection's bucket or its address's has no
   * token: the refusal names whose budget ran out, and says when to try again.
   */
  private checkBudget(doing: string, own: TokenBucket | undefined, shared: TokenBucket | undefined): void {
    const ownWait = own?.wait() ?? 0;
    const sharedWait = shared?.wait() ?? 0;
    if (sharedWait > ownWait) throw networkRateLimited(doing, sharedWait);
    if (ownWait > 0) throw rateLimited(doing, ownWait);
  }

  /** Takes a token of each budget, or refuses (see `checkBudget`) and takes none. */
  private spend(doing: string, own: TokenBucket | undefined, shared: TokenBucket | undefined): void {
    this.checkBudget(doing, own, shared);
    own?.take();
    shared?.take();
  }

  /** Drops everything this connection keeps about `roomId`, so state never outlives a membership. */
  private forget(roomId: RoomId): void {
    this.rooms.delete(roomId);
    this.typingSentAt.delete(roomId);
  }
}

/** The newest of `messages` whose sizes (`messageBytes`) add up to at most `maxBytes`, oldest first. */
function withinBytes(messages: ChatMessage[], maxBytes: number): ChatMessage[] {
  let bytes = 0;
  let from = messages.length;
  while (from > 0) {
    const message = messages[from - 1];
    if (message === undefined) break;
    bytes += messageBytes(message);
    if (bytes > maxBytes) break;
    from--;
  }
  return from === 0 ? messages : messages.slice(from);
}

/** "1 room", "20 rooms". */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
