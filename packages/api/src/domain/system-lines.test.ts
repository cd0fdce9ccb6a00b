import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { MemoryBroker } from "./memory-broker.js";
import { SystemLines } from "./system-lines.js";

describe("SystemLines", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;
  let lines: SystemLines;
  const errors: unknown[] = [];

  const texts = async (): Promise<string[]> => (await broker.history("general", 100)).map((message) => message.text);

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
    lines = new SystemLines({ broker, clock, onBackgroundError: (error) => errors.push(error) });
  });

  afterEach(async () => {
    lines.close();
    await broker.close();
    expect(errors).toEqual([]);
  });

  it("writes a first join and a first leave at once", async () => {
    await lines.announce("general", "alice", "joined");
    await lines.announce("general", "alice", "left");
    expect(await texts()).toEqual(["alice joined", "alice left"]);
  });

  it("collapses a name's churn within a minute to one line of each kind, whatever the number of rounds", async () => {
    for (let round = 0; round < 50; round++) {
      await lines.announce("general", "mallory", "joined");
      await lines.announce("general", "mallory", "left");
      clock.advance(100);
    }
    expect(await texts()).toEqual(["mallory joined", "mallory left"]);
  });

  it("writes the state a name ended in once its minute is over, when its last line says otherwise", async () => {
    await lines.announce("general", "alice", "joined");
    await lines.announce("general", "alice", "left");
    clock.advance(10_000);
    await lines.announce("general", "alice", "joined");
    lines.sweep();
    expect(await texts()).toEqual(["alice joined", "alice left"]);
    clock.advance(50_000);
    lines.sweep();
    await expect.poll(texts).toEqual(["alice joined", "alice left", "alice joined"]);
  });

  it("owes nothing when the churn ends in the state the last line says, and forgets the name afterwards", async () => {
    await lines.announce("general", "alice", "joined");
    await lines.announce("general", "alice", "left");
    await lines.announce("general", "alice", "joined");
    await lines.announce("general", "alice", "left");
    clock.advance(60_000);
    lines.sweep();
    await lines.announce("general", "alice", "joined");
    expect(await texts()).toEqual(["alice joined", "alice left", "alice joined"]);
  });

  it("keeps names and rooms apart", async () => {
    await lines.announce("general", "alice", "joined");
    await lines.announce("general", "bob", "joined");
    await lines.announce("random", "alice", "joined");
    expect(await texts()).toEqual(["alice joined", "bob joined"]);
    expect((await broker.history("random", 10)).map((message) => message.text)).toEqual(["alice joined"]);
  });

  it("lets a line that could not be written be written by the next change", async () => {
    const failing = new SystemLines({
      broker: Object.assign(Object.create(broker) as MemoryBroker, {
        publish: () => Promise.reject(new Error("store unavailable")),
      }),
      clock,
      onBackgroundError: (error) => errors.push(error),
    });
    await expect(failing.announce("general", "alice", "joined")).rejects.toThrow("store unavailable");
    await lines.announce("general", "alice", "joined");
    expect(await texts()).toEqual(["alice joined"]);
    failing.close();
  });
});
