/**
 * The wire contract: every input and output shape, shared by the server, the typed client and
 * the web app (which validates with these same schemas before sending).
 */
import { z } from "zod";

export { REQUESTS_PER_FRAME_MAX } from "./wire-limits.js";

/** Longest room id, in characters. */
export const ROOM_ID_MAX = 32;
/** Longest username, in characters (code points), after trimming. */
export const USERNAME_MAX = 32;
/** Longest message text, in characters (code points), after trimming. */
export const TEXT_MAX = 2000;
/** How many messages `joinRoom` returns as history. */
export const JOIN_HISTORY_LIMIT = 50;
/**
 * How much history `joinRoom` returns at most, in estimated bytes of memory (`messageBytes`):
 * fewer than `JOIN_HISTORY_LIMIT` messages when they are long, so that one join's answer stays
 * small (about 64 K characters of text) whatever a room holds.
 */
export const JOIN_HISTORY_MAX_BYTES = 128 * 1024;
/**
 * The most messages an `onMessage` subscription replays before going live. A reader that missed
 * more gets a gap notice, then the newest this many: one small request can never make the server
 * queue a room's whole history, and older messages remain readable through history.
 */
export const REPLAY_LIMIT = 100;
/**
 * A connection's `typing` signal is re-broadcast at most once per this interval per room, so
 * clients throttle `sendTyping` to it; calls in between succeed without a broadcast.
 */
export const TYPING_INTERVAL_MS = 2000;
/**
 * How long receivers show someone as typing after their last `typing` event, unless a message
 * from them or their leave comes first: over two intervals, so one late signal does not flicker
 * the indicator off and on.
 */
export const TYPING_TIMEOUT_MS = 5000;
/**
 * How long a `sendMessage` `clientMessageId` stays bound to the message it stored, per room and
 * author: a retry with the same id within this window returns that message instead of storing
 * another. Five minutes outlasts any reconnect a client sits through with a message pending.
 */
export const CLIENT_MESSAGE_ID_TTL_MS = 5 * 60_000;

// C0 controls, DEL and C1 controls: invisible characters that let one name impersonate another.
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// Invisible and text-direction characters that make one name look like another: bidi embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction marks (U+200E, U+200F,
// U+061C), zero-width ones (U+200B–U+200D, U+2060, U+FEFF), and the line and paragraph separators
// (U+2028, U+2029). Fine inside a message, where they have legitimate uses.
const INVISIBLE_CHARACTERS = /[\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

/**
 * The most combining marks (accents, vowel points, cantillation, virama, variation selectors…)
 * one character may carry in a username or message. Every word of the Hebrew Bible with points
 * and cantillation (WLC), of the Uthmani Quran and of 40 volumes of the Derge Kangyur carries at
 * most 5 (one word of Psalm 89:48 does; thousands carry 4); "Zalgo" text stacks dozens, which
 * paint over the lines around it and can widen the page. UTS #39 suggests 4 for identifiers; 5
 * lets those texts through.
 */
export const COMBINING_MARKS_MAX = 5;

// More than COMBINING_MARKS_MAX marks in a row. Format characters between them (joiners, tags)
// do not end the row: they keep the marks in one grapheme cluster, stacked on the same character.
// Marks and format characters are disjoint classes, so this cannot backtrack badly.
const STACKED_MARKS = new RegExp(`\\p{M}(?:\\p{Cf}*\\p{M}){${COMBINING_MARKS_MAX}}`, "u");

/** Counts code points, so an emoji is one character as a person sees it. */
function length(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A room id: case-folded, then 1–32 characters of `a-z`, `0-9`, `_` and `-`. */
export const roomIdSchema = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "Room name is required.")
      .max(ROOM_ID_MAX, `Room name must be at most ${ROOM_ID_MAX} characters.`)
      .regex(/^[a-z0-9_-]+$/, "Room name may use only letters, digits, _ and -."),
  );

/**
 * A display name: trimmed, 1–32 characters, no control, invisible or text-direction characters,
 * at most `COMBINING_MARKS_MAX` marks on one character.
 */
export const usernameSchema = z
  .string()
  .trim()
  .min(1, "Username is required.")
  .refine((value) => length(value) <= USERNAME_MAX, `Username must be at most ${USERNAME_MAX} characters.`)
  .refine((value) => !CONTROL_CHARACTERS.test(value), "Username must not contain control characters.")
  .refine(
    (value) => !INVISIBLE_CHARACTERS.test(value),
    "Username must not contain invisible or text-direction characters (such as zero-width spaces or bidi controls).",
  )
  .refine((value) => !STACKED_MARKS.test(value), `Username must have at most ${COMBINING_MARKS_MAX} accents or other marks on one character.`);

/**
 * A message body: trimmed, 1–2,000 characters; newlines allowed. Too many marks on one character
 * are refused, not stripped: stripping would change what the person wrote.
 */
export const messageTextSchema = z
  .string()
  .trim()
  .min(1, "Message is empty.")
  .refine((value) => length(value) <= TEXT_MAX, `Message must be at most ${TEXT_MAX} characters.`)
  .refine((value) => !STACKED_MARKS.test(value), `Message must have at most ${COMBINING_MARKS_MAX} accents or other marks on one character.`);

/** The id of a message, as given to `tracked()` and taken back as `lastEventId`. */
export const messageIdSchema = z.string().min(1).max(64);

/**
 * Who wrote a message: a person, the room itself (joins and leaves), or the server telling a
 * resuming reader that some messages it missed are gone (`"gap"`: never stored, never in history).
 */
export const messageKindSchema = z.enum(["user", "system", "gap"]);

/** How much of a replied-to message's text a reply quotes, in characters (code points). */
export const REPLY_QUOTE_MAX = 200;
/** The most distinct emoji one message may carry as reactions. */
export const REACTIONS_PER_MESSAGE_MAX = 20;
/**
 * The most people one emoji of one message lists. Every change carries the message's whole state
 * to every reader, so its size must stay bounded: at most about 70 KB of names per message.
 */
export const REACTORS_PER_EMOJI_MAX = 100;
/** The longest emoji, in UTF-8 bytes: room for family and flag sequences, not for a sentence. */
export const EMOJI_MAX_BYTES = 32;

// One pictograph with its modifiers, variation selectors and zero-width joins; a keycap (digit,
// # or * with U+FE0F U+20E3); a regional-indicator pair (a flag); or a tag sequence (England's).
const EMOJI =
  /^(?:[0-9#*]\uFE0F?\u20E3|\p{Regional_Indicator}{2}|\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}|\p{Extended_Pictographic}[\uFE0E\uFE0F]?\p{Emoji_Modifier}?(?:\u200D\p{Extended_Pictographic}[\uFE0E\uFE0F]?\p{Emoji_Modifier}?)*)$/u;
const utf8 = new TextEncoder();

/** One emoji: a single pictograph (with its modifiers and joins), a keycap or a flag, at most `EMOJI_MAX_BYTES`. */
export const emojiSchema = z
  .string()
  .refine((value) => utf8.encode(value).length <= EMOJI_MAX_BYTES && EMOJI.test(value), "Pick one emoji to react with.");

/** The message a reply answers, as it was when the reply was sent; `text` is cut to `REPLY_QUOTE_MAX`, empty once that message is deleted. */
export const replyQuoteSchema = z.object({ id: messageIdSchema, username: z.string(), text: z.string() });

/** One emoji on a message and who reacted with it, in the order they did. */
export const reactionSchema = z.object({ emoji: z.string(), usernames: z.array(z.string()) });

/**
 * A stored chat message in its current state, as every subscriber receives it. A deleted one keeps
 * its place with `deleted: true` and empty text; `mentions` are the names present in the room
 * when it was written (or last edited) that its text calls by `@name`.
 */
export const chatMessageSchema = z.object({
  id: messageIdSchema,
  roomId: roomIdSchema,
  kind: messageKindSchema,
  // Empty only for a gap notice, which nobody wrote.
  username: usernameSchema.or(z.literal("")),
  text: z.string(),
  sentAt: z.date(),
  editedAt: z.date().nullable(),
  deleted: z.boolean(),
  replyTo: replyQuoteSchema.nullable(),
  mentions: z.array(z.string()),
  reactions: z.array(reactionSchema),
});

/**
 * A change to an earlier message (an edit, a deletion, a reaction), as its own event in the room's
 * stream with its own `id`, so a resuming reader gets changes it missed: `target` is the changed
 * message's id and `message` its whole new state. Clients replace by `target`.
 */
export const messageUpdateSchema = z.object({
  kind: z.literal("update"),
  id: messageIdSchema,
  roomId: roomIdSchema,
  target: messageIdSchema,
  message: chatMessageSchema,
  sentAt: z.date(),
});

/**
 * A guest's identity secret (`connectionParams.identity`): base64url, 22–128 characters, so at
 * least 128 bits when it is random. The server keeps only its hash.
 */
export const identitySecretSchema = z
  .string()
  .min(22)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);

/** An invite to a private room, as `createInvite` hands it out: opaque base64url. */
export const inviteSchema = z
  .string()
  .min(22, "That invite is not valid.")
  .max(64, "That invite is not valid.")
  .regex(/^[A-Za-z0-9_-]+$/, "That invite is not valid.");

/**
 * Input of `joinRoom`. `private` makes a room that does not exist yet readable by its members
 * only; `invite` (from `createInvite`) lets its holder into a private room.
 */
export const joinRoomInputSchema = z.object({
  roomId: roomIdSchema,
  username: usernameSchema,
  private: z.boolean().optional(),
  invite: inviteSchema.optional(),
});
/**
 * A sender's own id for one message, so that a retry after a lost reply is not stored twice: 1–64
 * of `A-Z a-z 0-9 _ -` (a UUID fits), a bounded alphabet because the server keeps it as a key.
 */
const clientMessageIdSchema = z
  .string()
  .min(1, "clientMessageId must not be empty.")
  .max(64, "clientMessageId must be at most 64 characters.")
  .regex(/^[A-Za-z0-9_-]+$/, "clientMessageId may use only letters, digits, _ and -.");
/**
 * Input of `sendMessage`; see `CLIENT_MESSAGE_ID_TTL_MS` for what `clientMessageId` guarantees.
 * `replyTo` is the id of a message of the same room that this one answers.
 */
export const sendMessageInputSchema = z.object({
  roomId: roomIdSchema,
  text: messageTextSchema,
  clientMessageId: clientMessageIdSchema.optional(),
  replyTo: messageIdSchema.optional(),
});
/** Input of `editMessage`: the author's new text for one of their messages. */
export const editMessageInputSchema = z.object({ roomId: roomIdSchema, messageId: messageIdSchema, text: messageTextSchema });
/** Input of `deleteMessage`. */
export const deleteMessageInputSchema = z.object({ roomId: roomIdSchema, messageId: messageIdSchema });
/** Input of `react`: `on` adds the caller's reaction, `false` takes it back; either twice changes nothing. */
export const reactInputSchema = z.object({ roomId: roomIdSchema, messageId: messageIdSchema, emoji: emojiSchema, on: z.boolean() });
/** Input of `leaveRoom` and `onPresence`. */
export const roomInputSchema = z.object({ roomId: roomIdSchema });
/**
 * Input of `onMessage`; `lastEventId` is filled in by the client when it resumes. Any id the room
 * cannot continue from exactly (garbage, another room's, another epoch's, expired) yields a gap
 * notice, then everything retained; only its length is bounded, so nobody can make the server
 * hold a huge string.
 */
export const onMessageInputSchema = z.object({
  roomId: roomIdSchema,
  lastEventId: z.string().max(64, "lastEventId must be at most 64 characters.").nullish(),
});

/** A person present in a room. */
export const memberSchema = z.object({ username: z.string() });

/**
 * What `onPresence` yields: one snapshot, then a delta per change, and a `typing` signal that
 * changes no members. Clients ignore types they do not know, so more can be added.
 */
export const presenceEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), roomId: z.string(), members: z.array(memberSchema) }),
  z.object({ type: z.enum(["join", "leave"]), roomId: z.string(), username: z.string() }),
  z.object({ type: z.literal("typing"), roomId: z.string(), username: z.string() }),
]);

/** One row of `listRooms`. */
export const roomSummarySchema = z.object({ roomId: z.string(), members: z.number().int() });

/** The most rooms one `listRooms` page holds. */
export const ROOM_PAGE_MAX = 100;

/** Input of `listRooms`: where to go on from (the previous page's `nextCursor`), and how many. */
export const listRoomsInputSchema = z
  .object({
    cursor: z.string().max(64, "cursor must be at most 64 characters.").nullish(),
    limit: z.number().int().min(1, "limit must be at least 1.").max(ROOM_PAGE_MAX, `limit must be at most ${ROOM_PAGE_MAX}.`).default(ROOM_PAGE_MAX),
  })
  // No input at all (`null` from clients that send one anyway) is the first page.
  .nullish()
  .transform((input) => input ?? { limit: ROOM_PAGE_MAX });

/** The most messages one `history` page holds. */
export const HISTORY_PAGE_MAX = 100;
/** How many messages a `history` page holds when not told. */
export const HISTORY_PAGE_DEFAULT = 50;
/**
 * How much one `history` page or `search` answer holds at most, in estimated bytes of memory
 * (`messageBytes`): fewer messages when they are long (a page then says `hasMore`), so one call's
 * answer stays small whatever a room holds.
 */
export const READ_MAX_BYTES = JOIN_HISTORY_MAX_BYTES;
/** The longest `search` query, in characters. */
export const SEARCH_QUERY_MAX = 200;
/** The most messages one `search` answer holds. */
export const SEARCH_LIMIT_MAX = 50;
/** How many messages a `search` answer holds when not told. */
export const SEARCH_LIMIT_DEFAULT = 20;

/**
 * Input of `history`: the `limit` messages just before the message `before` (the newest when
 * absent), for scrolling back a page at a time. `before` must be a message the room retains.
 */
export const historyInputSchema = z.object({
  roomId: roomIdSchema,
  before: messageIdSchema.nullish(),
  limit: z
    .number()
    .int()
    .min(1, "limit must be at least 1.")
    .max(HISTORY_PAGE_MAX, `limit must be at most ${HISTORY_PAGE_MAX}.`)
    .default(HISTORY_PAGE_DEFAULT),
});

/** Input of `search`: the words to look for in one room's messages. */
export const searchInputSchema = z.object({
  roomId: roomIdSchema,
  query: z
    .string()
    .trim()
    .min(1, "Search for at least one character.")
    .max(SEARCH_QUERY_MAX, `A search may be at most ${SEARCH_QUERY_MAX} characters.`),
  limit: z
    .number()
    .int()
    .min(1, "limit must be at least 1.")
    .max(SEARCH_LIMIT_MAX, `limit must be at most ${SEARCH_LIMIT_MAX}.`)
    .default(SEARCH_LIMIT_DEFAULT),
});

/** A case-folded, validated room id. */
export type RoomId = z.output<typeof roomIdSchema>;
/** A message as stored and delivered, in its current state. */
export type ChatMessage = z.output<typeof chatMessageSchema>;
/** A change to an earlier message, carrying its new state. */
export type MessageUpdate = z.output<typeof messageUpdateSchema>;
/** What a room's stream (`onMessage`) yields: a new message, or a change to one. */
export type ChatEvent = ChatMessage | MessageUpdate;
/** The message a reply answers. */
export type ReplyQuote = z.output<typeof replyQuoteSchema>;
/** One emoji on a message and who reacted with it. */
export type Reaction = z.output<typeof reactionSchema>;
/** `"user"`, `"system"` or `"gap"`. */
export type MessageKind = z.output<typeof messageKindSchema>;
/** A person present in a room. */
export type Member = z.output<typeof memberSchema>;
/** A presence snapshot, a join or leave delta, or a typing signal. */
export type PresenceEvent = z.output<typeof presenceEventSchema>;
/** One room and how many people are in it. */
export type RoomSummary = z.output<typeof roomSummarySchema>;
/** One page of `listRooms`: its rooms, and the cursor of the next page, or `null` after the last. */
export interface RoomListPage {
  rooms: RoomSummary[];
  nextCursor: string | null;
}
/** What `history` returns: messages oldest first, and whether the room retains older ones. */
export interface HistoryPage {
  messages: ChatMessage[];
  hasMore: boolean;
}
/** What `search` returns: matching messages, newest first. */
export interface SearchResult {
  messages: ChatMessage[];
}
/** What `createInvite` returns: the invite, and when it stops letting people in. */
export interface InviteResult {
  invite: string;
  expiresAt: Date;
}
/** What `joinRoom` returns. */
export interface JoinResult {
  roomId: RoomId;
  username: string;
  /** Whether only the room's members may read and join it. */
  private: boolean;
  history: ChatMessage[];
  members: Member[];
}
