/**
 * `@chat/client`: the typed chat client for browsers and bots, and the close codes its
 * connection can end with. No server code at run time: the router is a type only.
 */
export {
  type AppRouter,
  type ChatClient,
  type ChatClientOptions,
  type ChatEvent,
  type ChatMessage,
  type ConnectionParams,
  type ConnectionStatus,
  createChatClient,
  type JoinResult,
  type Member,
  type MessageUpdate,
  newIdentitySecret,
  type PresenceEvent,
  type Reaction,
  type ReplyQuote,
  retryAfterMs,
  type RoomListPage,
  type RoomSummary,
  type WebSocketConstructor,
} from "./client.js";
export * from "@chat/api/close-codes";
