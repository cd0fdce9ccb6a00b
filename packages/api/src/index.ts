/**
 * `@chat/api`, the server side: the router, the per-connection context, the domain and the
 * in-memory broker (the Redis broker is `@chat/redis-broker`).
 * Browsers and other clients import `@chat/client` (and `@chat/api/schema`) instead.
 */
export { appRouter, type AppRouter } from "./router.js";
export { createContextFactory, type ChatContext, type ChatContextDeps, type ConnectionInfo } from "./context.js";
export { AddressBudgets, DEFAULT_ADDRESS_RATES, type AddressBudgetsOptions, type AddressRates } from "./domain/address-budgets.js";
export { ChatError, rateLimited, unknownMessage } from "./domain/errors.js";
export { connectionIdentity, guestIdentity, type Identity, refusedIdentity, signedInIdentity } from "./domain/identity.js";
export { INVITE_TTL_MS } from "./domain/access-control.js";
export { SystemLines } from "./domain/system-lines.js";
export { CLIENT_MESSAGE_ID_TTL_MS, REPLAY_LIMIT } from "./schema.js";
export { REQUEST_ID_MAX_LENGTH, REQUESTS_PER_FRAME_MAX } from "./wire-limits.js";
export { type AccessStore, INVITES_PER_ROOM_MAX, type RoomAccess } from "./domain/access-store.js";
export type { BrokerHealth, BrokerStats, ChatBroker, MessageDraft, PublishOptions } from "./domain/broker.js";
export { ClientIdWindow } from "./domain/client-id-window.js";
export { EventQueue } from "./domain/event-queue.js";
export { MemoryBroker, type MemoryBrokerOptions } from "./domain/memory-broker.js";
export { eventBytes, messageBytes } from "./domain/message-size.js";
export { applyChange, type ChangeRequest, type MessageChange, messageNotFound, newMessage, quoteOf, withoutQuoteOf } from "./domain/message-state.js";
export { mentionsIn, MENTIONS_MAX } from "./domain/mentions.js";
export { formatMessageId, newEpoch, parseMessageSeq } from "./domain/message-id.js";
export { compareRooms } from "./domain/room-directory.js";
export { matchesTerms, searchTerms } from "./domain/text-search.js";
export { GAP_NOTICE_TEXT, gapNotice } from "./domain/gap-notice.js";
export { ChatSession, DEFAULT_SESSION_LIMITS, type SessionCounts, type SessionLimits } from "./domain/chat-session.js";
export { type Clock, ManualClock, systemClock } from "./domain/clock.js";
export { type RateLimitOptions, TokenBucket } from "./domain/rate-limit.js";
