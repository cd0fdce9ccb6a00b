/**
 * How messages look in Redis: one JSON body per message, the same bytes in the stream entry, in
 * the pub/sub announcement and in a client id's record, so a message is encoded once per publish.
 * Ids are stream ids `<epoch>-<seq>`: the epoch names the dataset, the sequence is shared by all
 * rooms.
 */
import type { MessageDraft } from "@chat/api";
import type { ChatMessage, RoomId } from "@chat/api/schema";
import type { SequencedMessage } from "./stream-window.js";

/** The stored body: short keys, because every message is kept up to a history's worth per room. */
interface MessageBody {
  k: MessageDraft["kind"];
  u: string;
  t: string;
  /** `sentAt` in ms since the epoch. */
  s: number;
}

/** The body of `draft` sent at `sentAt` (ms). */
export function encodeBody(draft: MessageDraft, sentAt: number): string {
  const body: MessageBody = { k: draft.kind, u: draft.username, t: draft.text, s: sentAt };
  return JSON.stringify(body);
}

/** The message stored under `id` with `body` in `roomId`. */
export function decodeMessage(roomId: RoomId, id: string, body: string): ChatMessage {
  const parsed = JSON.parse(body) as MessageBody;
  return { id, roomId, kind: parsed.k, username: parsed.u, text: parsed.t, sentAt: new Date(parsed.s) };
}

/** `<id>\n<body>` (a client id's record, a pub/sub announcement after its type letter) as a message. */
export function decodeIdAndBody(roomId: RoomId, record: string): ChatMessage {
  const newline = record.indexOf("\n");
  return decodeMessage(roomId, record.slice(0, newline), record.slice(newline + 1));
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

/** A stream entry (its id and flat field list) as a message with its sequence. */
export function decodeEntry(roomId: RoomId, id: string, fields: string[]): SequencedMessage {
  return { seq: parsePosition(id)?.seq ?? 0, message: decodeEntryMessage(roomId, id, fields) };
}

/** A stream entry (its id and flat field list) as the message it holds: its id is the message's. */
export function decodeEntryMessage(roomId: RoomId, id: string, fields: string[]): ChatMessage {
  return decodeMessage(roomId, id, bodyOf(fields));
}

/** The `m` field of a stream entry's flat field list. */
function bodyOf(fields: string[]): string {
  const index = fields.indexOf("m");
  return index === -1 ? "{}" : (fields[index + 1] ?? "{}");
}
