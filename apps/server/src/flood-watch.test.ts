import { ManualClock } from "@chat/api";
import { describe, expect, it } from "vitest";
import { FloodWatch } from "./flood-watch.js";

/** Lets the close the watch defers to the next turn happen. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("FloodWatch", () => {
  const watch = (limit: number, clock = new ManualClock()) => {
    const floods: number[] = [];
    return { clock, floods, flood: new FloodWatch({ limit, windowMs: 10_000 }, clock, () => floods.push(clock.now())) };
  };

  it("holds nothing against a burst refused within one frame, however large", async () => {
    const { flood, floods } = watch(3);
    for (let request = 0; request < 200; request++) flood.refused("sendMessage", 1, 1, 200);
    await nextTurn();
    expect(floods).toEqual([]);
  });

  it("holds nothing against a request sent before the refusal could have been read, in a frame received before it", async () => {
    const { flood, floods } = watch(2);
    // Frames 1 to 5 arrived together; the refusal of frame 1's request went out after all five.
    for (let frame = 1; frame <= 5; frame++) flood.refused("sendMessage", frame, 5, 200);
    await nextTurn();
    expect(floods).toEqual([]);
  });

  it("holds nothing against a retry that waited as told", async () => {
    const { flood, floods, clock } = watch(2);
    for (let frame = 1; frame <= 30; frame++) {
      flood.refused("sendMessage", frame, frame, 200);
      clock.advance(220);
    }
    await nextTurn();
    expect(floods).toEqual([]);
  });

  it("strikes each request that came after the telling and before the wait was over, and cuts off at the limit, once", async () => {
    const { flood, floods, clock } = watch(3);
    flood.refused("joinRoom", 1, 1, 1000);
    for (let frame = 2; frame <= 6; frame++) {
      clock.advance(10);
      flood.refused("joinRoom", frame, frame, 1000);
    }
    await nextTurn();
    expect(floods).toHaveLength(1);
  });

  it("keeps the waits of procedures apart: a wait told for sending does not hold against a join", async () => {
    const { flood, floods } = watch(1);
    flood.refused("sendMessage", 1, 1, 1000);
    flood.refused("joinRoom", 2, 2, 1000);
    await nextTurn();
    expect(floods).toEqual([]);
  });

  it("never strikes after a refusal that named no wait", async () => {
    const { flood, floods } = watch(1);
    for (let frame = 1; frame <= 10; frame++) flood.refused("onMessage", frame, frame, null);
    await nextTurn();
    expect(floods).toEqual([]);
  });

  it("strikes every refused request of a frame that came after the telling, not only the first", async () => {
    const { flood, floods } = watch(20);
    for (let request = 0; request < 5; request++) flood.refused("listRooms", 1, 1, 1000);
    for (let request = 0; request < 20; request++) flood.refused("listRooms", 2, 2, 1000);
    await nextTurn();
    expect(floods).toHaveLength(1);
  });
});
