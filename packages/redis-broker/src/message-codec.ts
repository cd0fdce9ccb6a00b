/**
 * How messages look in Redis: one JSON body per message, the same bytes in the stream entry, in
 * the pub/sub announcement and in a client id's record, so a message is encoded once per publish.
 * Ids are stream ids `<epoch>-<seq>`: the epoch names the dataset, the sequence is shared by all
 * rooms.
 *
 * A room's stream holds two kinds of entry. A message: `m` <body>, then `r` <quoted id> when it
 * replies and `a` <author's identity id> when it has one (never delivered: it is no part of the
 * body). An update: `t` <target id>, `s` <when, ms>, `m` <the target's new state as a body>,
 * then `r` <quoted id> when that state quotes one. Reads show each message in its current state,
 * from the room's states hash (`RedisKeys.states`), whose values are `<c|d><update id>\n<body>`:
 * `d` when the message is deleted, and the id of the update that made the state, which a change
 * compares before it writes the next one.
 */
import { type MessageDraft, newMessage, withoutQuoteOf } from "@chat/api";
import type { ChatEvent, ChatMessage, MessageUpdate, RoomId } from "@chat/api/schema";
import type { SequencedEvent } from "./stream-window.js";

/**
 * The stored body: short keys, because every message is kept up to a history's worth per room,
 * and the fields of a change (`e`, `d`, `q`, `n`, `r`) only when they differ from a new message's,
 * so a plain message costs no byte more than before they existed.
 */
interface MessageBody {
  k: ChatMessage["kind"];
  u: string;
  t: string;
  /** `sentAt` in ms since the epoch. */
  s: number;
  /** `editedAt` in ms, once edited. */
  e?: number;
  /** 1 once deleted. */
  d?: 1;
  /** The reply quote: id, username, text. */
  q?: [string, string, string];
  /** Mentions. */
  n?: string[];
  /** Reactions: emoji and who reacted, in order. */
  r?: [string, string[]][];
}

/** A stream entry as Redis replies with it. */
export type StreamEntry = [id: string, fields: string[]];

/**
 * What a read script returns beside its entries when the room has changed messages: per entry,
 * the current state of the message it holds (`<c|d><update id>\n<body>`; for an update, only once
 * its target is deleted) or null, and 1 when the message it quotes is deleted.
 */
export type EntryOverlay = [states: (string | null)[], quotesGone: number[]];

/** The body of `draft` sent at `sentAt` (ms). */
export function encodeBody(draft: MessageDraft, sentAt: number): string {
  const body: MessageBody = { k: draft.kind, u: draft.username, t: draft.text, s: sentAt };
  if (draft.replyTo !== undefined) body.q = [draft.replyTo.id, draft.replyTo.username, draft.replyTo.text];
  if (draft.mentions !== undefined && draft.mentions.length > 0) body.n = draft.mentions;
  return JSON.stringify(body);
}

/** The body of `message`'s whole state, as an update and the states hash keep it. */
export function encodeState(message: ChatMessage): string {
  const body: MessageBody = { k: message.kind, u: message.username, t: message.text, s: message.sentAt.getTime() };
  if (message.editedAt !== null) body.e = message.editedAt.getTime();
  if (message.deleted) body.d = 1;
  if (message.replyTo !== null) body.q = [message.replyTo.id, message.replyTo.username, message.replyTo.text];
  if (message.mentions.length > 0) body.n = message.mentions;
  if (message.reactions.length > 0) body.r = message.reactions.map((reaction) => [reaction.emoji, reaction.usernames]);
  return JSON.stringify(body);
}

/** The message stored under `id` with `body` in `roomId`. */
export function decodeMessage(roomId: RoomId, id: string, body: string): ChatMessage {
  const parsed = JSON.parse(body) as MessageBody;
  const quote = parsed.q === undefined ? null : { id: parsed.q[0], username: parsed.q[1], text: parsed.q[2] };
  const message = newMessage({ id, roomId, kind: parsed.k, username: parsed.u, text: parsed.t, sentAt: new Date(parsed.s), replyTo: quote, mentions: parsed.n });
  if (parsed.e === undefined && parsed.d === undefined && parsed.r === undefined) return message;
  return {
    ...message,
    editedAt: parsed.e === undefined ? null : new Date(parsed.e),
    deleted: parsed.d === 1,
    reactions: parsed.r?.map(([emoji, usernames]) => ({ emoji, usernames })) ?? message.reactions,
  };
}

/** `<id>\n<body>` (a client id's record, a pub/sub announcement after its type letter) as a message. */
export function decodeIdAndBody(roomId: RoomId, record: string): ChatMessage {
  const newline = record.indexOf("\n");
  return decodeMessage(roomId, record.slice(0, newline), record.slice(newline + 1));
}

/** The update `id` that gave message `target` the state `body` at `sentAt` (ms). */
export function decodeUpdate(roomId: RoomId, id: string, target: string, sentAt: number, body: string): MessageUpdate {
  return { kind: "update", id, roomId, target, message: decodeMessage(roomId, target, body), sentAt: new Date(sentAt) };
}

/** A states hash value's version: what a change must find there still to write the next state. */
export function stateVersion(value: string): string {
  return value.slice(0, value.indexOf("\n"));
}

/** A states hash value's body. */
function stateBody(value: string): string {
  return value.slice(value.indexOf("\n") + 1);
}

/** A stream id split into its dataset epoch and sequence. */
export interface StreamPosition {
  epoch: string;
  seq: number;
}

/** The position `id` names, or `null` when it is not an id this broker makes. */
export function parsePosition(id: string | null | undefined): StreamPosition | null {
  // At most 19 digits of epoch: any such number fits the 64 bits of a stream id's first part, so a
  // position handed to Redis is never refused as an invalid stream id.
  const match = id ? /^([0-9]{1,19})-([0-9]{1,15})$/.exec(id) : null;
  return match ? { epoch: match[1] as string, seq: Number(match[2]) } : null;
}

/** The id of position `seq` in dataset `epoch`. */
export function formatPosition(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** The value of field `name` of a stream entry's flat field list, if it has one. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) if (fields[index] === name) return fields[index + 1];
  return undefined;
}

/** Whether a stream entry holds an update (else it holds a message). */
export function isUpdateEntry(fields: readonly string[]): boolean {
  return fields[0] === "t";
}

/**
 * Stream entries as events in their current state: a message as its states hash value says, when
 * it has one; an update as it was, unless its target is deleted since (then the deleted state, so
 * no earlier text survives); either with its quote emptied when the quoted message is deleted.
 */
export function decodeEntries(roomId: RoomId, entries: readonly StreamEntry[], overlay: EntryOverlay | undefined): SequencedEvent[] {
  return entries.map(([id, fields], index) => ({
    seq: parsePosition(id)?.seq ?? 0,
    event: decodeEntry(roomId, id, fields, overlay?.[0][index] ?? null, overlay?.[1][index] === 1),
  }));
}

/** One entry as `decodeEntries` describes. */
function decodeEntry(roomId: RoomId, id: string, fields: readonly string[], state: string | null, quoteGone: boolean): ChatEvent {
  const current = (message: ChatMessage): ChatMessage => (quoteGone && message.replyTo !== null ? withoutQuoteOf(message, message.replyTo.id) : message);
  const body = state === null ? (fieldOf(fields, "m") ?? "{}") : stateBody(state);
  if (!isUpdateEntry(fields)) return current(decodeMessage(roomId, id, body));
  const update = decodeUpdate(roomId, id, fields[1] ?? "", Number(fieldOf(fields, "s")), body);
  return { ...update, message: current(update.message) };
}
