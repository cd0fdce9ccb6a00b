/**
 * What a `ChatSession` of a unit test is made with: the test's broker and clock, a send budget,
 * and the server's shared writer of join and leave lines over the same broker.
 */
import type { ChatBroker } from "../domain/broker.js";
import type { ChatSessionDeps } from "../domain/chat-session.js";
import type { Clock } from "../domain/clock.js";
import type { RateLimitOptions } from "../domain/rate-limit.js";
import { SystemLines } from "../domain/system-lines.js";

/** Session dependencies over `broker`; a line that fails to be written later fails the test. */
export function sessionDeps(broker: ChatBroker, clock: Clock, sendRate: RateLimitOptions): ChatSessionDeps {
  const onBackgroundError = (error: unknown): never => {
    throw error;
  };
  return { broker, clock, sendRate, systemLines: new SystemLines({ broker, clock, onBackgroundError }) };
}
