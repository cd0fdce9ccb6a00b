/**
 * Replays from SQLite share their messages as the memory broker's ring does: every reader of a
 * room gets the same frozen objects, so a hundred replays hold one copy (issue 12, attack A).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { draft, read } from "@chat/api/testing";
import { SqliteBroker } from "./sqlite-broker.js";

describe("SqliteBroker replays", () => {
  const dirs: string[] = [];
  const controllers: AbortController[] = [];
  afterEach(() => {
    for (const controller of controllers.splice(0)) controller.abort();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const replay = async (broker: SqliteBroker, count: number) => {
    const controller = new AbortController();
    controllers.push(controller);
    return read(broker.messages("r", null, controller.signal)[Symbol.asyncIterator](), count);
  };

  it("hand every reader the same frozen message objects, also after a restart, and count them as history held in memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-sqlite-sharing-"));
    dirs.push(dir);
    const first = new SqliteBroker({ dataDir: dir });
    const published = [await first.publish("r", draft("alice", "one")), await first.publish("r", draft("bob", "two"))];
    const [a, b] = [await replay(first, 2), await replay(first, 2)];
    expect(a).toEqual(published);
    for (const [index, message] of a.entries()) {
      expect(message).toBe(published[index]);
      expect(b[index]).toBe(message);
      expect(Object.isFrozen(message)).toBe(true);
    }
    expect(first.stats().historyBytes).toBeGreaterThan(0);
    await first.close();

    const second = new SqliteBroker({ dataDir: dir });
    const [c, d] = [await replay(second, 2), await replay(second, 2)];
    expect(c).toEqual(published);
    for (const [index, message] of c.entries()) expect(d[index]).toBe(message);
    await second.close();
  });
});
