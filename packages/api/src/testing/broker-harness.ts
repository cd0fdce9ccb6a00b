/**
 * The per-test state behind the broker contract: a fresh broker for every test, rooms no other
 * test uses, and streams that are always aborted afterwards. The contract's sections share one
 * harness so each section file holds only sentences about the broker, not setup.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach } from "vitest";
import type { ChatBroker, MessageDraft } from "../domain/broker.js";
import { ManualClock } from "../domain/clock.js";
import type { ChatEvent, ChatMessage, PresenceEvent, RoomId } from "../schema.js";

/** Settings a few sentences need a broker made with. */
export interface BrokerSettings {
  /** Messages kept per room, small so that a sentence can outgrow it; the broker's default when absent. */
  historySize?: number;
  /** The most messages a stream replays, small for the same reason; the broker's default (`REPLAY_LIMIT`) when absent. */
  replayLimit?: number;
}

/**
 * Called before every test, so no test can observe what another left behind in a broker. The
 * broker must tell time by `clock`, which the sentences about expiry move by hand. A broker made
 * with a clock at another time stands for another process (another epoch), as after a restart.
 */
export type BrokerFactory = (clock: ManualClock, settings?: BrokerSettings) => Promise<ChatBroker> | ChatBroker;

/** What a contract section needs, as one value so sections stay free of hooks; the helpers are closures, safe to destructure. */
export interface BrokerHarness {
  /** A getter, because each test gets its own broker and a captured one would be stale. */
  readonly broker: ChatBroker;
  /** The clock the current broker was made with; a getter for the same reason. */
  readonly clock: ManualClock;
  /** A room id no other test uses. */
  readonly newRoom: () => RoomId;
  /** A signal that is aborted after the test at the latest. */
  readonly newSignal: () => AbortController;
  /** Opens a message stream and returns its iterator. */
  readonly subscribe: (roomId: RoomId, afterId?: string | null) => AsyncIterator<ChatEvent>;
  /** Opens a presence stream and returns its iterator. */
  readonly watchPresence: (roomId: RoomId) => AsyncIterator<PresenceEvent>;
  /** Publishes `texts` one after the other, as one sender would. */
  readonly publishAll: (roomId: RoomId, username: string, texts: readonly string[]) => Promise<ChatMessage[]>;
  /** Another broker from the same factory, closed after the test: another process, or other settings. */
  readonly extraBroker: (clock: ManualClock, settings?: BrokerSettings) => Promise<ChatBroker>;
  /** Closes the broker inside a test, so the harness does not close it a second time. */
  readonly closeBroker: () => Promise<void>;
}

/** A user message from `username`, since most sentences care only about who said what. */
export function draft(username: string, text: string): MessageDraft {
  return { kind: "user", username, text };
}

/** Reads exactly `count` items, failing if the stream ends first. */
export async function read<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const result = await iterator.next();
    if (result.done === true) throw new Error(`The stream ended after ${items.length} of ${count} items.`);
    items.push(result.value);
  }
  return items;
}

/** Reads up to and including the first message (not update) whose text is `text`. */
export async function readUntilText<T extends ChatEvent>(iterator: AsyncIterator<T>, text: string): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const result = await iterator.next();
    if (result.done === true) throw new Error(`The stream ended before "${text}".`);
    items.push(result.value);
    if (result.value.kind !== "update" && result.value.text === text) return items;
  }
}

/** Ids alone, because ids are what order, resumption and deduplication are judged by. */
export const idsOf = (events: readonly ChatEvent[]): string[] => events.map((event) => event.id);

/** An event's text: a message's, or for an update, the changed message's new text. */
export const textOf = (event: ChatEvent): string => (event.kind === "update" ? event.message.text : event.text);

/** Texts alone, so an expected sequence reads as the words a test published. */
export const textsOf = (events: readonly ChatEvent[]): string[] => events.map(textOf);

/** The messages among `events`, updates left out. */
export const messagesOnly = (events: readonly ChatEvent[]): ChatMessage[] => events.filter((event) => event.kind !== "update");

/** Sorted usernames, because the contract promises who is present, not in which order. */
export const names = (members: readonly { username: string }[]): string[] => members.map((m) => m.username).sort();

/** Registers its hooks in the calling describe block, so call it there, before any section. */
export function useBrokerHarness(createBroker: BrokerFactory): BrokerHarness {
  let current: ChatBroker | undefined;
  let clock = new ManualClock();
  let closed = false;
  let controllers: AbortController[] = [];
  let extras: ChatBroker[] = [];
  // Unique per run, so a broker backed by shared storage never sees another test's rooms.
  const run = randomUUID().slice(0, 8);
  let rooms = 0;

  const broker = (): ChatBroker => {
    if (current === undefined) throw new Error("The broker exists only while a test runs.");
    return current;
  };

  const newSignal = (): AbortController => {
    const controller = new AbortController();
    controllers.push(controller);
    return controller;
  };

  beforeEach(async () => {
    clock = new ManualClock();
    current = await createBroker(clock);
    closed = false;
    controllers = [];
    extras = [];
  });

  afterEach(async () => {
    for (const controller of controllers) controller.abort();
    const finished = current;
    current = undefined;
    if (!closed && finished !== undefined) await finished.close();
    await Promise.all(extras.map((extra) => extra.close()));
  });

  return {
    get broker(): ChatBroker {
      return broker();
    },
    get clock(): ManualClock {
      return clock;
    },
    newRoom: (): RoomId => `c-${run}-${++rooms}`,
    newSignal,
    subscribe: (roomId: RoomId, afterId: string | null | undefined = null): AsyncIterator<ChatEvent> =>
      broker().messages(roomId, afterId, newSignal().signal)[Symbol.asyncIterator](),
    watchPresence: (roomId: RoomId): AsyncIterator<PresenceEvent> =>
      broker().presence(roomId, newSignal().signal)[Symbol.asyncIterator](),
    publishAll: async (roomId: RoomId, username: string, texts: readonly string[]): Promise<ChatMessage[]> => {
      const published: ChatMessage[] = [];
      for (const text of texts) published.push(await broker().publish(roomId, draft(username, text)));
      return published;
    },
    extraBroker: async (extraClock: ManualClock, settings?: BrokerSettings): Promise<ChatBroker> => {
      const extra = await createBroker(extraClock, settings);
      extras.push(extra);
      return extra;
    },
    closeBroker: async (): Promise<void> => {
      closed = true;
      await broker().close();
    },
  };
}
