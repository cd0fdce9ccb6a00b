import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChatContextDeps, createContextFactory } from "./context.js";
import type { ChatSession } from "./domain/chat-session.js";
import { systemClock } from "./domain/clock.js";
import { guestIdentity } from "./domain/identity.js";
import { MemoryBroker } from "./domain/memory-broker.js";

/** The real broker, except that removing a member fails, as a remote store's might. */
class RemovalFails extends MemoryBroker {
  override async removeMember(): Promise<boolean> {
    throw new Error("store unavailable");
  }
}

describe("createContextFactory", () => {
  let broker: MemoryBroker;
  let backgroundErrors: { error: unknown; session: ChatSession | null }[];

  const factory = (overrides: Partial<ChatContextDeps> = {}): ReturnType<typeof createContextFactory> =>
    createContextFactory({
      broker,
      clock: systemClock,
      sendRate: { burst: 20, perSecond: 5 },
      onBackgroundError: (error, session) => backgroundErrors.push({ error, session }),
      ...overrides,
    });

  const texts = async (roomId: string): Promise<string[]> =>
    (await broker.history(roomId, 100)).map((message) => message.text);

  beforeEach(() => {
    broker = new MemoryBroker();
    backgroundErrors = [];
  });

  afterEach(async () => {
    await broker.close();
  });

  it("gives each connection its own session over the shared broker", () => {
    const createContext = factory();
    const first = createContext({});
    const second = createContext({});
    expect(first.broker).toBe(broker);
    expect(second.broker).toBe(broker);
    expect(first.session).not.toBe(second.session);
    expect(first.session.id).not.toBe(second.session.id);
  });

  it("leaves every room of a connection when it closes", async () => {
    const createContext = factory({ leaveGraceMs: 0 });
    const conn = createContext({});
    const { session } = conn;
    await session.join("general", "alice");
    await session.join("random", "al");
    conn.close();
    await expect.poll(() => texts("general")).toEqual(["alice joined", "alice left"]);
    await expect.poll(() => texts("random")).toEqual(["al joined", "al left"]);
    expect(await broker.listRooms()).toEqual([]);
    expect(backgroundErrors).toEqual([]);
  });

  it("keeps a closed connection's rooms during the grace period, then leaves them", async () => {
    const createContext = factory({ leaveGraceMs: 30 });
    const conn = createContext({});
    const { session } = conn;
    await session.join("general", "alice");
    conn.close();
    // Nothing can have run yet: the leave waits for a timer.
    expect(await broker.members("general")).toEqual([{ username: "alice" }]);
    await expect.poll(() => broker.members("general"), { timeout: 5_000 }).toEqual([]);
    expect(await texts("general")).toEqual(["alice joined", "alice left"]);
  });

  it("shows neither a leave nor a join when a client reconnects under the same name within the grace period", async () => {
    const createContext = factory({ leaveGraceMs: 30 });
    const identity = guestIdentity("alice-secret-of-22-chars");
    const before = createContext({ identity });
    const first = before.session;
    await first.join("general", "alice");
    before.close();
    const second = createContext({ identity }).session;
    await second.join("general", "alice");
    // Wait until the first connection's leave has run.
    await expect.poll(() => first.joined.size, { timeout: 5_000 }).toBe(0);
    expect(await texts("general")).toEqual(["alice joined"]);
    expect(await broker.members("general")).toEqual([{ username: "alice" }]);
  });

  it("gives each session the limits its connection came with, and the defaults for the rest", async () => {
    const createContext = factory();
    const limited = createContext({ limits: { maxRooms: 1 } }).session;
    await limited.join("general", "alice");
    await expect(limited.join("random", "alice")).rejects.toThrow("You are in 1 room, the most one connection may be in; leave one first.");
    const unlimited = createContext({}).session;
    for (let room = 0; room < 10; room++) await unlimited.join(`room-${room}`, "bob");
    // The default join burst of 10 is spent; the default room limit of 20 is not reached.
    await expect(unlimited.join("room-10", "bob")).rejects.toThrow("You are joining rooms too fast");
  });

  it("reports a failure to leave after a close to onBackgroundError with the session", async () => {
    await broker.close();
    broker = new RemovalFails();
    const createContext = factory({ leaveGraceMs: 0 });
    const conn = createContext({});
    const { session } = conn;
    await session.join("general", "alice");
    conn.close();
    await expect.poll(() => backgroundErrors.length).toBe(1);
    expect(backgroundErrors[0]?.session).toBe(session);
    expect(backgroundErrors[0]?.error).toEqual(new Error("store unavailable"));
  });
});
