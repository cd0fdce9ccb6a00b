/**
 * What a message looks like after each kind of change, as pure functions every store applies the
 * same way: the memory broker in place, SQLite inside a transaction, Redis between a read and a
 * compare-and-set. Who may make a change is decided here too, so no store can disagree.
 */
import { type ChatMessage, REACTIONS_PER_MESSAGE_MAX, REACTORS_PER_EMOJI_MAX, REPLY_QUOTE_MAX, type ReplyQuote } from "../schema.js";
import { ChatError } from "./errors.js";

/** A change to a message, as a store receives it: the edit's mentions are already resolved. */
export type MessageChange =
  | { type: "edit"; text: string; mentions: string[] }
  | { type: "delete" }
  | { type: "react"; emoji: string; username: string; on: boolean };

/** A change and who asks for it: `actorId` is an identity id, compared with the message's author's. */
export interface ChangeRequest {
  change: MessageChange;
  actorId: string;
}

// Most messages have no mentions and no reactions: they share these instead of holding two
// empty arrays each. Frozen, so no store can push into one by mistake.
const NONE: string[] = Object.freeze([]) as unknown as string[];
const NO_REACTIONS: ChatMessage["reactions"] = Object.freeze([]) as unknown as ChatMessage["reactions"];

/** A message as first stored: never edited, not deleted, no reactions yet. */
export function newMessage(
  fields: Pick<ChatMessage, "id" | "roomId" | "kind" | "username" | "text" | "sentAt"> & Partial<Pick<ChatMessage, "replyTo" | "mentions">>,
): ChatMessage {
  return {
    id: fields.id,
    roomId: fields.roomId,
    kind: fields.kind,
    username: fields.username,
    text: fields.text,
    sentAt: fields.sentAt,
    editedAt: null,
    deleted: false,
    replyTo: fields.replyTo ?? null,
    mentions: fields.mentions === undefined || fields.mentions.length === 0 ? NONE : fields.mentions,
    reactions: NO_REACTIONS,
  };
}

/** The refusal of a change to a message the room does not hold. */
export function messageNotFound(roomId: string, id: string): ChatError {
  return new ChatError("MESSAGE_NOT_FOUND", `There is no message ${JSON.stringify(id)} in ${roomId}.`);
}

/**
 * `message` after `request`, or `null` when it changes nothing (reacting twice, deleting twice,
 * saving the same text): the store then stores and emits nothing. `authorId` is the identity that
 * sent `message` (none for system lines). Throws the `ChatError` a client is owed otherwise.
 */
export function applyChange(message: ChatMessage, authorId: string | undefined, request: ChangeRequest, at: Date): ChatMessage | null {
  const { change } = request;
  if (change.type === "react") return react(message, change.emoji, change.username, change.on);
  if (message.kind !== "user" || authorId === undefined || authorId !== request.actorId) {
    throw new ChatError("NOT_AUTHOR", `Only the person who sent a message can ${change.type} it.`);
  }
  if (change.type === "delete") {
    if (message.deleted) return null;
    return { ...message, text: "", deleted: true, replyTo: null, mentions: NONE, reactions: NO_REACTIONS };
  }
  if (message.deleted) throw new ChatError("MESSAGE_NOT_FOUND", "That message was deleted; it can no longer be edited.");
  if (message.text === change.text) return null;
  return { ...message, text: change.text, editedAt: at, mentions: change.mentions.length === 0 ? NONE : change.mentions };
}

function react(message: ChatMessage, emoji: string, username: string, on: boolean): ChatMessage | null {
  if (message.kind !== "user" || message.deleted) throw new ChatError("NOT_REACTABLE", "Only people's messages that are not deleted take reactions.");
  const at = message.reactions.findIndex((reaction) => reaction.emoji === emoji);
  const reaction = message.reactions[at];
  const reacted = reaction?.usernames.includes(username) ?? false;
  if (reacted === on) return null;
  let reactions: ChatMessage["reactions"];
  if (!on) {
    const usernames = reaction?.usernames.filter((name) => name !== username) ?? [];
    reactions = usernames.length === 0 ? message.reactions.filter((_, index) => index !== at) : message.reactions.with(at, { emoji, usernames });
  } else if (reaction === undefined) {
    if (message.reactions.length >= REACTIONS_PER_MESSAGE_MAX) {
      throw new ChatError("TOO_MANY_REACTIONS", `A message takes at most ${REACTIONS_PER_MESSAGE_MAX} different emoji; add to one already there.`);
    }
    reactions = [...message.reactions, { emoji, usernames: [username] }];
  } else {
    if (reaction.usernames.length >= REACTORS_PER_EMOJI_MAX) {
      throw new ChatError("TOO_MANY_REACTIONS", `${REACTORS_PER_EMOJI_MAX} people already reacted with ${emoji}; pick another.`);
    }
    reactions = message.reactions.with(at, { emoji, usernames: [...reaction.usernames, username] });
  }
  return { ...message, reactions: reactions.length === 0 ? NO_REACTIONS : reactions };
}

/** What a reply to `message` shows of it: its author and the start of its text. */
export function quoteOf(message: ChatMessage): ReplyQuote {
  const text = Array.from(message.text).slice(0, REPLY_QUOTE_MAX).join("");
  return { id: message.id, username: message.username, text };
}

/**
 * `message` with its quote of `deletedId` emptied, or `message` itself when it quotes another:
 * a deleted message's text must not live on in the replies to it.
 */
export function withoutQuoteOf(message: ChatMessage, deletedId: string): ChatMessage {
  const quote = message.replyTo;
  return quote?.id === deletedId && quote.text !== "" ? { ...message, replyTo: { ...quote, text: "" } } : message;
}
