/**
 * `@chat/api/testing`: the `ChatBroker` contract as a vitest suite, and the stream helpers its
 * sentences use, so another package's broker (`@chat/redis-broker`) proves itself against the
 * same sentences as the in-memory one. Needs vitest, which the importing test run provides.
 */
export { describeBrokerContract } from "./broker-contract.js";
export { type BrokerFactory, type BrokerSettings, draft, messagesOnly, read, readUntilText, textOf, textsOf } from "./broker-harness.js";
export { type AccessStoreFactory, describeAccessContract, type OpenedAccessStore } from "./access-contract.js";
