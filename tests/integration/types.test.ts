/**
 * The typed client as a consumer sees it: through `@chat/client`'s published `dist` types,
 * across the package boundary. These assertions are checked by `npm run typecheck -w
 * @chat/tests` (`tsc`); at run time `expectTypeOf` does nothing.
 */
import {
  type AppRouter,
  type ChatClient,
  type ChatEvent,
  type ChatMessage,
  type ConnectionStatus,
  createChatClient,
  type JoinResult,
  type MessageUpdate,
  type PresenceEvent,
  type RoomSummary,
} from "@chat/client";
import type { TRPCClientError } from "@trpc/client";
import { describe, expect, expectTypeOf, it } from "vitest";

type Trpc = ChatClient["trpc"];
type ErrorCode = NonNullable<TRPCClientError<AppRouter>["data"]>["code"];

describe("the client's types across the package boundary", () => {
  it("types a ChatMessage with sentAt as a Date, as superjson delivers it", () => {
    expectTypeOf<Awaited<ReturnType<Trpc["sendMessage"]["mutate"]>>>().toEqualTypeOf<ChatMessage>();
    expectTypeOf<ChatMessage>().toEqualTypeOf<{
      id: string;
      roomId: string;
      kind: "user" | "system" | "gap";
      username: string;
      text: string;
      sentAt: Date;
      editedAt: Date | null;
      deleted: boolean;
      replyTo: { id: string; username: string; text: string } | null;
      mentions: string[];
      reactions: { emoji: string; usernames: string[] }[];
    }>();
    expectTypeOf<MessageUpdate>().toEqualTypeOf<{ kind: "update"; id: string; roomId: string; target: string; message: ChatMessage; sentAt: Date }>();
  });

  it("types every procedure's input and output", () => {
    expectTypeOf<Parameters<Trpc["joinRoom"]["mutate"]>[0]>().toEqualTypeOf<{
      roomId: string;
      username: string;
      private?: boolean | undefined;
      invite?: string | undefined;
    }>();
    expectTypeOf<Parameters<Trpc["createInvite"]["mutate"]>[0]>().toEqualTypeOf<{ roomId: string }>();
    expectTypeOf<Awaited<ReturnType<Trpc["createInvite"]["mutate"]>>>().toEqualTypeOf<{ invite: string; expiresAt: Date }>();
    expectTypeOf<Awaited<ReturnType<Trpc["joinRoom"]["mutate"]>>>().toEqualTypeOf<JoinResult>();
    expectTypeOf<JoinResult["history"]>().toEqualTypeOf<ChatMessage[]>();
    expectTypeOf<JoinResult["members"]>().toEqualTypeOf<{ username: string }[]>();
    expectTypeOf<Parameters<Trpc["sendMessage"]["mutate"]>[0]>().toEqualTypeOf<{
      roomId: string;
      text: string;
      clientMessageId?: string | undefined;
      replyTo?: string | undefined;
    }>();
    expectTypeOf<Awaited<ReturnType<Trpc["leaveRoom"]["mutate"]>>>().toEqualTypeOf<{ roomId: string }>();
    expectTypeOf<Awaited<ReturnType<Trpc["listRooms"]["query"]>>>().toEqualTypeOf<{ rooms: RoomSummary[]; nextCursor: string | null }>();
    expectTypeOf<RoomSummary>().toEqualTypeOf<{ roomId: string; members: number }>();
    expectTypeOf<Parameters<Trpc["onMessage"]["subscribe"]>[0]>().toEqualTypeOf<{
      roomId: string;
      lastEventId?: string | null | undefined;
    }>();
    expectTypeOf<PresenceEvent>().toEqualTypeOf<
      | { type: "snapshot"; roomId: string; members: { username: string }[] }
      | { type: "join" | "leave"; roomId: string; username: string }
      | { type: "typing"; roomId: string; username: string }
    >();
    expectTypeOf<ConnectionStatus>().toEqualTypeOf<"connecting" | "online" | "reconnecting" | "closed">();
  });

  it("types errors with the tRPC code", () => {
    expectTypeOf<ErrorCode>().toExtend<string>();
    expectTypeOf<"BAD_REQUEST">().toExtend<ErrorCode>();
    expectTypeOf<"TOO_MANY_REQUESTS">().toExtend<ErrorCode>();
    expectTypeOf<"NOT_A_CODE">().not.toExtend<ErrorCode>();
  });

  it("exports createChatClient as a function", () => {
    expect(typeof createChatClient).toBe("function");
    expectTypeOf(createChatClient).returns.toEqualTypeOf<ChatClient>();
  });

  it("still serves the client as @chat/api/client, for code written before @chat/client", async () => {
    const legacy = await import("@chat/api/client");
    expect(legacy.createChatClient).toBe(createChatClient);
    expectTypeOf(legacy.createChatClient).toEqualTypeOf(createChatClient);
  });
});

// Never called: typed as a consumer writes it, the subscription callbacks get the event types.
export function subscriptionUses(client: ChatClient): void {
  client.trpc.onMessage.subscribe(
    { roomId: "general", lastEventId: null },
    {
      onData: (event) => {
        expectTypeOf(event.id).toEqualTypeOf<string>();
        expectTypeOf(event.data).toEqualTypeOf<ChatEvent>();
      },
      onError: (error) => expectTypeOf(error.data?.code).toEqualTypeOf<ErrorCode | undefined>(),
    },
  );
  client.trpc.onPresence.subscribe({ roomId: "general" }, { onData: (event) => expectTypeOf(event).toEqualTypeOf<PresenceEvent>() });
}

// Never called: the compiler must refuse each marked line, or `tsc` fails on an unused directive.
export async function wrongUses(client: ChatClient): Promise<void> {
  // @ts-expect-error — text is required.
  await client.trpc.sendMessage.mutate({ roomId: "general" });
  // @ts-expect-error — text is a string.
  await client.trpc.sendMessage.mutate({ roomId: "general", text: 42 });
  // @ts-expect-error — the author is not an input.
  await client.trpc.sendMessage.mutate({ roomId: "general", text: "hi", username: "bob" });
  // @ts-expect-error — joinRoom needs a username.
  await client.trpc.joinRoom.mutate({ roomId: "general" });
  // @ts-expect-error — there is no such procedure.
  await client.trpc.deleteRoom.mutate({ roomId: "general" });
  // @ts-expect-error — listRooms is a query, not a mutation.
  await client.trpc.listRooms.mutate();
  const message = await client.trpc.sendMessage.mutate({ roomId: "general", text: "hi" });
  // @ts-expect-error — sentAt is a Date, not a string.
  message.sentAt.toUpperCase();
  // @ts-expect-error — kind is "user", "system" or "gap".
  const kind: "bot" = message.kind;
  void kind;
}
