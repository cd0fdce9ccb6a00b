/**
 * What a stored message costs in memory, for budgets that bound all history at once. An estimate
 * on the safe side: V8 keeps a string of Latin-1 text in a byte per character and anything else in
 * two, and the message object, its `Date` and the strings' headers take about 200 bytes more.
 */
import type { ChatMessage } from "../schema.js";

/** Fixed cost of one message beyond its strings: the object, its `Date`, the string headers. */
const MESSAGE_OVERHEAD_BYTES = 200;

/** The estimated bytes `message` holds in memory. */
export function messageBytes(message: ChatMessage): number {
  const characters = message.id.length + message.roomId.length + message.username.length + message.text.length;
  return MESSAGE_OVERHEAD_BYTES + 2 * characters;
}
