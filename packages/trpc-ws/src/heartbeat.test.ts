import { describe, expect, it } from "vitest";
import { Heartbeat, type HeartbeatMember } from "./heartbeat.js";

/** A member that records the times it was beaten with. */
function member(): HeartbeatMember & { beats: number[] } {
  const beats: number[] = [];
  return { beats, beat: (now) => beats.push(now) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("Heartbeat", () => {
  it("beats every member on each sweep with a rising time, and stops beating one once it is deleted", async () => {
    const heartbeat = new Heartbeat(5);
    const [first, second] = [member(), member()];
    heartbeat.add(first);
    heartbeat.add(second);
    await expect.poll(() => Math.min(first.beats.length, second.beats.length)).toBeGreaterThanOrEqual(3);
    expect(first.beats).toEqual([...first.beats].sort((a, b) => a - b));
    heartbeat.delete(first);
    const beatsThen = first.beats.length;
    const secondThen = second.beats.length;
    await sleep(30);
    expect(first.beats.length).toBe(beatsThen);
    expect(second.beats.length).toBeGreaterThan(secondThen);
    heartbeat.delete(second);
  });

  it("starts again when a member joins after the last one left", async () => {
    const heartbeat = new Heartbeat(5);
    const early = member();
    heartbeat.add(early);
    heartbeat.delete(early);
    const late = member();
    heartbeat.add(late);
    await expect.poll(() => late.beats.length).toBeGreaterThanOrEqual(2);
    heartbeat.delete(late);
  });
});
