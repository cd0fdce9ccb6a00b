import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTypingTracker, describeTyping } from "./typing";

describe("createTypingTracker", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const track = (): { names: () => string[]; tracker: ReturnType<typeof createTypingTracker>; changes: () => number } => {
    let latest: string[] = [];
    let changes = 0;
    const tracker = createTypingTracker(5000, (names) => {
      latest = names;
      changes++;
    });
    return { names: () => latest, tracker, changes: () => changes };
  };

  it("shows a name from its signal until the timeout passes without another", () => {
    const { names, tracker } = track();
    tracker.saw("alice");
    expect(names()).toEqual(["alice"]);
    vi.advanceTimersByTime(4999);
    expect(names()).toEqual(["alice"]);
    vi.advanceTimersByTime(1);
    expect(names()).toEqual([]);
  });

  it("keeps a name shown while signals keep coming, in the order people started", () => {
    const { names, tracker, changes } = track();
    tracker.saw("alice");
    tracker.saw("bob");
    vi.advanceTimersByTime(4000);
    tracker.saw("alice");
    vi.advanceTimersByTime(1500);
    expect(names()).toEqual(["alice"]);
    // A repeated signal changes nothing visible, so it does not re-render.
    expect(changes()).toBe(3);
  });

  it("drops a name at once when that person's message or leave arrives", () => {
    const { names, tracker } = track();
    tracker.saw("alice");
    tracker.saw("bob");
    tracker.stopped("alice");
    expect(names()).toEqual(["bob"]);
    tracker.stopped("nobody");
    expect(names()).toEqual(["bob"]);
  });

  it("forgets everyone and cancels the timers on clear", () => {
    const { names, tracker, changes } = track();
    tracker.saw("alice");
    tracker.clear();
    expect(names()).toEqual([]);
    const before = changes();
    vi.advanceTimersByTime(10_000);
    expect(changes()).toBe(before);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("describeTyping", () => {
  /** The line as read, with each name in brackets to show it is a part of its own. */
  const line = (names: readonly string[]): string =>
    describeTyping(names)
      .map((part) => ("name" in part ? `[${part.name}]` : part.words))
      .join("");

  it("says nothing when nobody types", () => {
    expect(describeTyping([])).toEqual([]);
  });

  it("names one, two or three people, each as a part of its own, then stops counting", () => {
    expect(line(["alice"])).toBe("[alice] is typing…");
    expect(line(["alice", "bob"])).toBe("[alice] and [bob] are typing…");
    expect(line(["alice", "bob", "carol"])).toBe("[alice], [bob] and [carol] are typing…");
    expect(line(["alice", "bob", "carol", "dana"])).toBe("Several people are typing…");
  });
});
