/**
 * The SQLite broker against the same contract as the in-memory and Redis ones. Every broker the
 * contract makes gets a database of its own in a fresh directory: to the contract, another broker
 * is another process with other data (another epoch). Brokers that reopen one database, as a
 * restarted server does, are tested in `sqlite-broker-restart.test.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe } from "vitest";
import { describeBrokerContract } from "@chat/api/testing";
import { SqliteBroker } from "./sqlite-broker.js";

describe("SqliteBroker", () => {
  const root = mkdtempSync(join(tmpdir(), "chat-sqlite-contract-"));
  let databases = 0;
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  describeBrokerContract("SqliteBroker", (clock, settings) => new SqliteBroker({ dataDir: join(root, `db-${++databases}`), clock, ...settings }));
});
