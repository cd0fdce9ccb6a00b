/**
 * Type tests of the typed client: checked by `tsc --noEmit` (the package's `typecheck`), never
 * run. A change to the router that breaks what clients were promised fails the typecheck here.
 */
import type { AppRouter as ServerAppRouter } from "@chat/api";
import type { ChatEvent, ChatMessage, JoinResult, PresenceEvent, RoomSummary } from "@chat/api/schema";
import { describe, expectTypeOf, it } from "vitest";
import { type AppRouter, type ChatClient, createChatClient } from "./client.js";

declare const chat: ChatClient;

/** What a query or mutation resolves to. */
type Resolved<T extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<T>>;

describe("the typed chat client", () => {
  it("re-exports the server's AppRouter type", () => {
    expectTypeOf<AppRouter>().toEqualTypeOf<ServerAppRouter>();
  });

  it("types sendMessage as resolving to the stored ChatMessage, with sentAt a Date", () => {
    expectTypeOf(chat.trpc.sendMessage.mutate).returns.toExtend<Promise<ChatMessage>>();
    expectTypeOf(chat.trpc.sendMessage.mutate).returns.resolves.toEqualTypeOf<ChatMessage>();
    expectTypeOf<Resolved<typeof chat.trpc.sendMessage.mutate>["sentAt"]>().toEqualTypeOf<Date>();
    expectTypeOf<Resolved<typeof chat.trpc.sendMessage.mutate>["kind"]>().toEqualTypeOf<"user" | "system" | "gap">();
  });

  it("types sendMessage's input as a room id, a text, an optional clientMessageId and replyTo, with no author", () => {
    expectTypeOf(chat.trpc.sendMessage.mutate)
      .parameter(0)
      .toEqualTypeOf<{ roomId: string; text: string; clientMessageId?: string | undefined; replyTo?: string | undefined }>();
  });

  it("types joinRoom as taking a room id, a name and optionally privacy or an invite, and returning history and members", () => {
    expectTypeOf(chat.trpc.joinRoom.mutate)
      .parameter(0)
      .toEqualTypeOf<{ roomId: string; username: string; private?: boolean | undefined; invite?: string | undefined }>();
    expectTypeOf<Resolved<typeof chat.trpc.joinRoom.mutate>>().toEqualTypeOf<JoinResult>();
    expectTypeOf<Resolved<typeof chat.trpc.joinRoom.mutate>["history"]>().toEqualTypeOf<ChatMessage[]>();
    expectTypeOf<Resolved<typeof chat.trpc.joinRoom.mutate>["members"]>().toEqualTypeOf<{ username: string }[]>();
  });

  it("types leaveRoom as returning the room id", () => {
    expectTypeOf<Resolved<typeof chat.trpc.leaveRoom.mutate>>().toEqualTypeOf<{ roomId: string }>();
  });

  it("types sendTyping as taking and returning a room id", () => {
    expectTypeOf(chat.trpc.sendTyping.mutate).parameter(0).toEqualTypeOf<{ roomId: string }>();
    expectTypeOf<Resolved<typeof chat.trpc.sendTyping.mutate>>().toEqualTypeOf<{ roomId: string }>();
  });

  it("types listRooms as a paged query of room summaries", () => {
    expectTypeOf<Resolved<typeof chat.trpc.listRooms.query>>().toEqualTypeOf<{ rooms: RoomSummary[]; nextCursor: string | null }>();
    expectTypeOf(chat.trpc.listRooms.query).toBeCallableWith();
    expectTypeOf(chat.trpc.listRooms.query).toBeCallableWith({ cursor: "3:general", limit: 50 });
    expectTypeOf<RoomSummary>().toEqualTypeOf<{ roomId: string; members: number }>();
  });

  it("types editMessage, deleteMessage and react as resolving to the message's new state, and react's emoji as a string", () => {
    expectTypeOf(chat.trpc.editMessage.mutate).returns.resolves.toEqualTypeOf<ChatMessage>();
    expectTypeOf(chat.trpc.deleteMessage.mutate).returns.resolves.toEqualTypeOf<ChatMessage>();
    expectTypeOf(chat.trpc.react.mutate).parameter(0).toEqualTypeOf<{ roomId: string; messageId: string; emoji: string; on: boolean }>();
  });

  it("types onMessage as a subscription of tracked ChatEvents (messages and updates) that takes an optional lastEventId", () => {
    expectTypeOf(chat.trpc.onMessage.subscribe)
      .parameter(0)
      .toEqualTypeOf<{ roomId: string; lastEventId?: string | null | undefined }>();
    chat.trpc.onMessage.subscribe(
      { roomId: "general", lastEventId: null },
      {
        onData(event) {
          expectTypeOf(event).toEqualTypeOf<{ id: string; data: ChatEvent }>();
          expectTypeOf(event.data.sentAt).toEqualTypeOf<Date>();
        },
      },
    );
    // Without callbacks, the subscription is an async iterator of the same events.
    expectTypeOf(chat.trpc.onMessage.subscribe({ roomId: "general" })).toEqualTypeOf<
      AsyncIterableIterator<{ id: string; data: ChatEvent }>
    >();
  });

  it("types onPresence as a subscription of snapshots, deltas and typing signals", () => {
    chat.trpc.onPresence.subscribe(
      { roomId: "general" },
      {
        onData(event) {
          expectTypeOf(event).toEqualTypeOf<PresenceEvent>();
          if (event.type === "snapshot") expectTypeOf(event.members).toEqualTypeOf<{ username: string }[]>();
          else expectTypeOf(event.username).toEqualTypeOf<string>();
          if (event.type === "typing") {
            expectTypeOf(event).toEqualTypeOf<{ type: "typing"; roomId: string; username: string }>();
            expectTypeOf(event.username).toEqualTypeOf<string>();
          }
        },
      },
    );
  });

  it("rejects wrong inputs and unknown procedures at compile time", () => {
    // Never called: it exists only for the compiler to check.
    async function misuse(): Promise<void> {
      // @ts-expect-error -- a room id is a string.
      await chat.trpc.sendMessage.mutate({ roomId: 1, text: "hello" });
      // @ts-expect-error -- a message needs its text.
      await chat.trpc.sendMessage.mutate({ roomId: "general" });
      // @ts-expect-error -- the author is never taken from the input.
      await chat.trpc.sendMessage.mutate({ roomId: "general", text: "hi", username: "mallory" });
      // @ts-expect-error -- a typing signal takes no name: it is the joined one.
      await chat.trpc.sendTyping.mutate({ roomId: "general", username: "mallory" });
      // @ts-expect-error -- joining needs a name.
      await chat.trpc.joinRoom.mutate({ roomId: "general" });
      // @ts-expect-error -- listRooms is a query, not a mutation.
      await chat.trpc.listRooms.mutate();
      // @ts-expect-error -- there is no such procedure.
      await chat.trpc.deleteRoom.mutate({ roomId: "general" });
      // @ts-expect-error -- lastEventId is a string.
      chat.trpc.onMessage.subscribe({ roomId: "general", lastEventId: 5 }, {});
      // @ts-expect-error -- a client needs the server's url.
      createChatClient({});
    }
    expectTypeOf(misuse).returns.toEqualTypeOf<Promise<void>>();
  });

  it("creates a ChatClient whose status is one of the four connection states", () => {
    expectTypeOf(createChatClient).returns.toEqualTypeOf<ChatClient>();
    expectTypeOf<ChatClient["status"]>().toEqualTypeOf<"connecting" | "online" | "reconnecting" | "closed">();
  });
});
