/**
 * Ours: tRPC's WebSocket wire protocol spoken directly on a `ws` socket, as `@trpc/client` with
 * superjson speaks it, through the wire kit of the tests (`@chat/api/wire-kit`): requests
 * `{id, method, params: {path, input: {json}}}`, answers `{id, result: {type, data: {json}}}`.
 * Deliveries are told apart by their prefix and never decoded, so the load generator's cost per
 * delivery stays that of receiving a frame.
 * It joins, then subscribes to `onMessage` (from the last message of the join's history, as the
 * real client does) and `onPresence`, like the web app; it answers the server's `PING`.
 * `onMessage` also carries changes to earlier messages (`kind: "update"`): those are handed over
 * as updates, never as messages, although they hold the changed message and its mark.
 */
import type { ChatEvent, JoinResult } from "@chat/api/schema";
import { decodeIncoming, encodeFrame, type WireMethod, wireRequest } from "@chat/api/wire-kit";
import WebSocket from "ws";
import { type BenchClient, type ClientEvents, watchLiveness } from "./client.js";
import { findMark, nowMs } from "./marker.js";

// Fixed request ids: the subscriptions' frames are told apart by their prefix, without parsing.
const JOIN_ID = 1;
const MESSAGES_ID = 2;
const PRESENCE_ID = 3;
/** Sends count up from here, clear of the fixed ids. */
const FIRST_SEND_ID = 10;
const MESSAGE_DATA_PREFIX = `{"id":${MESSAGES_ID},"result":{"type":"data"`;
const PRESENCE_DATA_PREFIX = `{"id":${PRESENCE_ID},"result":{"type":"data"`;
/** Where a stream event's id starts: `tracked()` gives each message its own id as the event's. */
const EVENT_ID_PREFIX = `${MESSAGE_DATA_PREFIX},"id":"`;
/**
 * Inside a JSON string a quote is `\"`, so this can only be the event's own field: an update,
 * wherever a store puts its keys.
 */
const UPDATE_FIELD = '"kind":"update"';
/** Messages kept to react to: a few, since people react to what they have just read. */
const RECENT_MESSAGES = 4;
/** The emoji members toggle: a few, as people mostly pick from the same handful. */
const EMOJI = ["👍", "🎉", "😂", "🔥"];

/** The reaction whose update this client waits for, to time it. */
interface PendingReaction {
  requestId: number;
  target: string;
  /** `"target":"<id>"`: an update that lacks it is someone else's, found without parsing. */
  needle: string;
  emoji: string;
  on: boolean;
  sentAtMs: number;
}

function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

/** Opens a tRPC client that joins `roomId` and subscribes to its messages and presence. */
export function openTrpcClient(url: string, roomId: string, username: string, events: ClientEvents): BenchClient {
  const socket = new WebSocket(url);
  let nextId = FIRST_SEND_ID;
  let pending = 3;
  const { live, markLive, failLive } = watchLiveness(socket, events);
  const request = (id: number, method: WireMethod, path: string, input: unknown): void => socket.send(encodeFrame(wireRequest(id, method, path, input)));
  const started = (): void => {
    if (--pending === 0) markLive();
  };
  // The last few message frames, kept by reference and read only when reacting, so that
  // receiving costs nothing more.
  const recent: string[] = [];
  let nextRecent = 0;
  // The emoji this client has on each recent message, so that every toggle changes something and
  // the server broadcasts one update for it (toggling to the state it already has would not).
  const reacted = new Map<string, Set<string>>();
  // One at a time: a member reacts every tenth send, long after its previous update arrived.
  let reaction: PendingReaction | null = null;

  /** Ids of the recent messages of `phase` (only the bench's messages carry a mark: system lines cannot take reactions). */
  const recentIds = (phase: number): string[] =>
    recent.filter((frame) => frame.startsWith(EVENT_ID_PREFIX) && findMark(frame)?.phase === phase).map((frame) => frame.slice(EVENT_ID_PREFIX.length, frame.indexOf('"', EVENT_ID_PREFIX.length)));

  /**
   * The time since this client's reaction when `frame` is its update: the first update of the
   * target that shows the toggle done. The room's stream is in the order changes were applied, so
   * another member's update of that message that arrives before it shows the toggle not yet done.
   */
  const ownLatency = (frame: string): number | null => {
    const awaited = reaction;
    if (awaited === null || !frame.includes(awaited.needle)) return null;
    const answer = decodeIncoming(frame);
    const event = "result" in answer ? (answer.result.data as { data?: ChatEvent } | undefined)?.data : undefined;
    if (event?.kind !== "update" || event.target !== awaited.target) return null;
    const names = event.message.reactions.find((entry) => entry.emoji === awaited.emoji)?.usernames ?? [];
    if (names.includes(username) !== awaited.on) return null;
    reaction = null;
    return nowMs() - awaited.sentAtMs;
  };

  socket.on("open", () => request(JOIN_ID, "mutation", "joinRoom", { roomId, username }));
  socket.on("message", (data) => {
    const frame = String(data);
    if (frame.startsWith(MESSAGE_DATA_PREFIX)) {
      if (frame.includes(UPDATE_FIELD)) return events.onUpdate(frame, ownLatency(frame));
      recent[nextRecent] = frame;
      nextRecent = (nextRecent + 1) % RECENT_MESSAGES;
      return events.onDelivery(frame);
    }
    if (frame === "PING") return socket.send("PONG");
    // Presence (joins in a storm: one per member per join) is not measured; skip its parsing.
    if (frame.startsWith(PRESENCE_DATA_PREFIX)) return;
    // The rest is rare (setup, presence, replies to sends): parsing it costs little.
    const answer = decodeIncoming(frame);
    if ("error" in answer) {
      events.onError(answer.error.message);
      if (reaction !== null && answer.id === reaction.requestId) {
        // Refused, so nothing changed: undo the toggle here too, and expect no update.
        const emoji = reacted.get(reaction.target);
        if (reaction.on) emoji?.delete(reaction.emoji);
        else emoji?.add(reaction.emoji);
        reaction = null;
      }
      if (typeof answer.id === "number" && answer.id < FIRST_SEND_ID) failLive(new Error(answer.error.message));
      return;
    }
    if (!("result" in answer)) return;
    if (answer.id === JOIN_ID) {
      const lastEventId = (answer.result.data as JoinResult | undefined)?.history.at(-1)?.id;
      request(MESSAGES_ID, "subscription", "onMessage", lastEventId === undefined ? { roomId } : { roomId, lastEventId });
      request(PRESENCE_ID, "subscription", "onPresence", { roomId });
      started();
    } else if ((answer.id === MESSAGES_ID || answer.id === PRESENCE_ID) && answer.result.type === "started") {
      started();
    }
  });

  return {
    live,
    send(text) {
      if (socket.readyState === WebSocket.OPEN) request(nextId++, "mutation", "sendMessage", { roomId, text });
    },
    react(phase) {
      if (socket.readyState !== WebSocket.OPEN) return false;
      const ids = recentIds(phase);
      // A message gone from the recent ones never comes back: its reactions need no tracking.
      for (const id of reacted.keys()) if (!ids.includes(id)) reacted.delete(id);
      const target = pick(ids);
      const emoji = pick(EMOJI);
      if (target === undefined || emoji === undefined) return false;
      let mine = reacted.get(target);
      if (!mine) reacted.set(target, (mine = new Set()));
      const on = !mine.has(emoji);
      if (on) mine.add(emoji);
      else mine.delete(emoji);
      const requestId = nextId++;
      reaction = { requestId, target, needle: `"target":"${target}"`, emoji, on, sentAtMs: nowMs() };
      request(requestId, "mutation", "react", { roomId, messageId: target, emoji, on });
      return true;
    },
    close() {
      socket.terminate();
    },
  };
}
