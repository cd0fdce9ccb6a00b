import { describe, expect, it } from "vitest";
import { findMessageElement, keepReadingPlace, MESSAGE_ID_ATTRIBUTE, type PlacedElement, type ScrollBox } from "./scroll-anchor";

/** A line of the fake log: its id and its height; laid out one after another from the content's top. */
interface Line {
  id: string | null;
  height: number;
}

/** Where the fake log's box sits on screen. */
const BOX_TOP = 100;

/**
 * A scrolling log as the browser lays it out: its lines stacked from the content's top, moved up
 * on screen by `scrollTop`; a line without an id stands for anything that is not a message.
 */
class FakeLog implements ScrollBox {
  scrollTop = 0;

  constructor(public lines: Line[]) {}

  get scrollHeight(): number {
    return this.lines.reduce((sum, line) => sum + line.height, 0);
  }

  getBoundingClientRect(): { top: number } {
    return { top: BOX_TOP };
  }

  querySelectorAll(): PlacedElement[] {
    let offset = 0;
    const placed: PlacedElement[] = [];
    for (const line of this.lines) {
      const top = BOX_TOP + offset - this.scrollTop;
      offset += line.height;
      if (line.id === null) continue;
      const { id, height } = line;
      placed.push({
        getAttribute: (name) => (name === MESSAGE_ID_ATTRIBUTE ? id : null),
        getBoundingClientRect: () => ({ top, bottom: top + height }),
      });
    }
    return placed;
  }

  /** Where message `id` is on screen now. */
  screenTopOf(id: string): number | undefined {
    return findMessageElement(this.querySelectorAll(), id)?.getBoundingClientRect().top;
  }
}

const lines = (ids: string[], height = 20): Line[] => ids.map((id) => ({ id, height }));

describe("keepReadingPlace", () => {
  it("keeps the first message in view where it was when older ones are added at the very top", () => {
    const log = new FakeLog([{ id: null, height: 40 }, ...lines(["m10", "m11", "m12"])]);
    const before = log.screenTopOf("m10");

    keepReadingPlace(log, () => log.lines.splice(1, 0, ...lines(["m7", "m8", "m9"], 30)));

    expect(log.scrollTop).toBe(90);
    expect(log.screenTopOf("m10")).toBe(before);
  });

  it("holds on to the first message at least partly in view, not the first in the log", () => {
    const log = new FakeLog(lines(["m1", "m2", "m3", "m4"]));
    log.scrollTop = 30;
    const before = log.screenTopOf("m2");

    keepReadingPlace(log, () => log.lines.unshift(...lines(["m0"], 50)));

    expect(log.scrollTop).toBe(80);
    expect(log.screenTopOf("m2")).toBe(before);
  });

  it("finds the message again when the change re-created its element", () => {
    const log = new FakeLog(lines(["m5", "m6"]));

    keepReadingPlace(log, () => {
      // A group gaining older lines is rebuilt: same ids, new elements, a new header above.
      log.lines = [{ id: null, height: 25 }, ...lines(["m3", "m4", "m5", "m6"])];
    });

    expect(log.screenTopOf("m5")).toBe(BOX_TOP);
  });

  it("with no message in view, keeps the distance to the bottom of the content", () => {
    const log = new FakeLog([{ id: null, height: 40 }]);

    keepReadingPlace(log, () => log.lines.unshift({ id: null, height: 60 }));

    expect(log.scrollTop).toBe(60);
  });
});

describe("findMessageElement", () => {
  it("matches ids exactly, whatever characters they hold", () => {
    const log = new FakeLog(lines(['a"]', "a"]));
    expect(findMessageElement(log.querySelectorAll(), "a")?.getBoundingClientRect().top).toBe(BOX_TOP + 20);
    expect(findMessageElement(log.querySelectorAll(), "b")).toBeUndefined();
  });
});
