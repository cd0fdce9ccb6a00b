/**
 * The guarantees every `ChatBroker` keeps, as a vitest suite: each broker's test file calls
 * `describeBrokerContract` with a factory, so a Redis broker proves itself against the same
 * sentences as the in-memory one. Nothing here knows how a broker stores messages or shapes ids.
 * The sentences live in the section files; the per-test setup lives in `broker-harness.ts`.
 */
import { describe } from "vitest";
import { describeChangesContract } from "./broker-contract-changes.js";
import { describeClientIdContract } from "./broker-contract-client-ids.js";
import { describeGapContract } from "./broker-contract-gaps.js";
import { describeMessageContract } from "./broker-contract-messages.js";
import { describePresenceContract } from "./broker-contract-presence.js";
import { describeReadingContract } from "./broker-contract-reading.js";
import { type BrokerFactory, useBrokerHarness } from "./broker-harness.js";

/** One call per implementation, so every broker answers the same sentences with a fresh broker per test. */
export function describeBrokerContract(name: string, createBroker: BrokerFactory): void {
  describe(`${name} keeps the ChatBroker contract`, { timeout: 20_000 }, () => {
    const harness = useBrokerHarness(createBroker);
    describeMessageContract(harness);
    describeGapContract(harness);
    describeClientIdContract(harness);
    describePresenceContract(harness);
    describeReadingContract(harness);
    describeChangesContract(harness);
  });
}
