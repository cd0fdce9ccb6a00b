import {
  deleteMessageInputSchema,
  editMessageInputSchema,
  historyInputSchema,
  joinRoomInputSchema,
  listRoomsInputSchema,
  onMessageInputSchema,
  reactInputSchema,
  roomInputSchema,
  searchInputSchema,
  sendMessageInputSchema,
} from "./schema.js";
import { mapErrors, trackedById } from "./tracked-by-id.js";
import { createRouter, procedure, subscriptionProcedure, toTRPCError } from "./trpc.js";

// The WebSocket transport always passes a signal; a server-side caller may not, and then only the
// consumer's `return()` ends the stream.
const neverAborted = new AbortController().signal;

/** The chat's procedures, at the router root as the protocol names them. */
export const appRouter = createRouter({
  /** Joins a room under a name; returns the recent history and who is there. */
  joinRoom: procedure
    .input(joinRoomInputSchema)
    .mutation(({ ctx, input }) => ctx.session.join(input.roomId, input.username, { private: input.private, invite: input.invite })),

  /**
   * Sends a message to a room this connection joined; returns it as stored. A retry with the same
   * `clientMessageId` returns the message the first call stored.
   */
  sendMessage: procedure
    .input(sendMessageInputSchema)
    .mutation(({ ctx, input }) => ctx.session.send(input.roomId, input.text, input.clientMessageId, input.replyTo)),

  /** Replaces the text of one of the caller's own messages; returns the message's new state. */
  editMessage: procedure.input(editMessageInputSchema).mutation(({ ctx, input }) => ctx.session.edit(input.roomId, input.messageId, input.text)),

  /** Deletes one of the caller's own messages, text and all; returns its new (deleted) state. */
  deleteMessage: procedure.input(deleteMessageInputSchema).mutation(({ ctx, input }) => ctx.session.delete(input.roomId, input.messageId)),

  /** Adds (`on: true`) or takes back the caller's emoji reaction to a message; twice changes nothing. */
  react: procedure
    .input(reactInputSchema)
    .mutation(({ ctx, input }) => ctx.session.react(input.roomId, input.messageId, input.emoji, input.on)),

  /** Signals that this connection is typing in a room it joined; throttled per room, never stored. */
  sendTyping: procedure.input(roomInputSchema).mutation(async ({ ctx, input }) => {
    await ctx.session.typing(input.roomId);
    return { roomId: input.roomId };
  }),

  /** Leaves a room; this connection's subscriptions stay open. */
  leaveRoom: procedure.input(roomInputSchema).mutation(async ({ ctx, input }) => {
    await ctx.session.leave(input.roomId);
    return { roomId: input.roomId };
  }),

  /**
   * A new invite to a private room the caller is a member of: whoever joins with it within
   * `INVITE_TTL_MS` becomes a member.
   */
  createInvite: procedure.input(roomInputSchema).mutation(({ ctx, input }) => ctx.session.createInvite(input.roomId)),

  /** Makes every invite of a private room the caller is a member of stop working; members stay. */
  revokeInvites: procedure.input(roomInputSchema).mutation(async ({ ctx, input }) => {
    await ctx.session.revokeInvites(input.roomId);
    return { roomId: input.roomId };
  }),

  /**
   * Rooms with people in them, busiest first, a page at a time; the list is at most a second old.
   * A private room is listed only to its members.
   */
  listRooms: procedure.input(listRoomsInputSchema).query(({ ctx, input }) => ctx.rooms.page(input, () => ctx.session.privateRooms())),

  /**
   * A page of a room's history, for scrolling back: the `limit` messages before `before` (the
   * newest when absent), oldest first, and whether there are older ones. Readable without joining.
   */
  history: procedure.input(historyInputSchema).query(({ ctx, input }) => ctx.session.history(input.roomId, input.before ?? null, input.limit)),

  /** A room's messages that match the words of `query`, newest first. Readable without joining. */
  search: procedure.input(searchInputSchema).query(({ ctx, input }) => ctx.session.search(input.roomId, input.query, input.limit)),

  /**
   * Every message of a room, system ones included, and every change to one (`kind: "update"`),
   * each tracked by its id so that the client resumes after a reconnect from the last one it saw.
   */
  onMessage: subscriptionProcedure
    .input(onMessageInputSchema)
    .subscription(async ({ ctx, input, signal }) => {
      await ctx.session.checkReadable(input.roomId);
      return trackedById(ctx.broker.messages(input.roomId, input.lastEventId, signal ?? neverAborted), toTRPCError);
    }),

  /** The room's members: a snapshot, then a `join` or `leave` per change, and `typing` signals. */
  onPresence: subscriptionProcedure
    .input(roomInputSchema)
    // The broker's stream with its failure mapped: a generator around it would cost memory per
    // subscriber and a promise per event, for nothing.
    .subscription(async ({ ctx, input, signal }) => {
      await ctx.session.checkReadable(input.roomId);
      return mapErrors(ctx.broker.presence(input.roomId, signal ?? neverAborted), toTRPCError);
    }),
});

/** The router's type: all a client needs to be typed end to end. */
export type AppRouter = typeof appRouter;
