/**
 * `@chat/redis-broker`: the `ChatBroker` of `@chat/api` over Redis, so that several nodes share
 * rooms, history and presence (docs/scaling.md). Kept out of `@chat/api` so that nothing else
 * that depends on the chat's domain (the client above all) gets `ioredis`.
 */
export { RedisBroker } from "./redis-broker.js";
export type { BrokerLogger, RedisBrokerOptions } from "./redis-broker-options.js";
