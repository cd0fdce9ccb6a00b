/**
 * What a stored message costs in memory, for budgets that bound all history at once. An estimate
 * on the safe side: V8 keeps a string of Latin-1 text in a byte per character and anything else in
 * two, and the message object, its `Date` and the strings' headers take about 200 bytes more.
 */
import type { ChatEvent, ChatMessage } from "../schema.js";

/** Fixed cost of one message beyond its strings: the object, its `Date`, the string headers. */
const MESSAGE_OVERHEAD_BYTES = 200;

/** Fixed cost of each name in `mentions` and each reaction's names: the array slot and the string's header. */
const NAME_OVERHEAD_BYTES = 24;

/** The estimated bytes `message` holds in memory. */
export function messageBytes(message: ChatMessage): number {
  let characters = message.id.length + message.roomId.length + message.username.length + message.text.length;
  let extra = 0;
  // Nothing more to count for most messages: no quote, no mentions, no reactions.
  if (message.replyTo !== null) characters += message.replyTo.id.length + message.replyTo.username.length + message.replyTo.text.length;
  for (const name of message.mentions) extra += NAME_OVERHEAD_BYTES + 2 * name.length;
  for (const reaction of message.reactions) {
    extra += NAME_OVERHEAD_BYTES + 2 * reaction.emoji.length;
    for (const name of reaction.usernames) extra += NAME_OVERHEAD_BYTES + 2 * name.length;
  }
  return MESSAGE_OVERHEAD_BYTES + 2 * characters + extra;
}

/** The estimated bytes `event` holds in memory: an update costs its own fields and its message's state. */
export function eventBytes(event: ChatEvent): number {
  return event.kind === "update" ? MESSAGE_OVERHEAD_BYTES + 2 * (event.id.length + event.target.length) + messageBytes(event.message) : messageBytes(event);
}
