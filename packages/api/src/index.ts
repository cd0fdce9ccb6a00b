/**
 * `@chat/api`, the server side: the router, the per-connection context, and the brokers.
 * Browsers and other clients import `@chat/api/client` and `@chat/api/schema` instead.
 */
export { appRouter, type AppRouter } from "./router.js";
export {
  createContextFactory,
  FLOOD_CLOSE_CODE,
  FLOOD_CLOSE_REASON,
  type ChatContext,
  type ChatContextDeps,
  type ConnectionInfo,
  type PerConnectionLimits,
} from "./context.js";
export type { BrokerHealth, BrokerStats, ChatBroker, MessageDraft, PublishOptions } from "./domain/broker.js";
export { EventQueue } from "./domain/event-queue.js";
export { MemoryBroker, type MemoryBrokerOptions } from "./domain/memory-broker.js";
export { GAP_NOTICE_TEXT, gapNotice } from "./domain/gap-notice.js";
export { isPushStream, type PushStream, type StreamListener } from "./domain/push-stream.js";
export { ChatSession, DEFAULT_SESSION_LIMITS, type SessionLimits } from "./domain/chat-session.js";
export { type Clock, ManualClock, systemClock } from "./domain/clock.js";
export type { RateLimitOptions } from "./domain/rate-limit.js";
export { RedisBroker } from "./redis/redis-broker.js";
export type { BrokerLogger, RedisBrokerOptions } from "./redis/redis-broker-options.js";
