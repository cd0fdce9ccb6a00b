/**
 * Scrolling back through a long conversation in a real browser: older messages load at the top
 * without moving what the reader is looking at, by scrolling or with the keyboard, each exactly
 * once; a search finds a message from long before the join and shows it in the conversation; a
 * failed load says so and loads when tried again; and all of it fits a phone.
 */
import { MemoryBroker } from "@chat/api";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  chatter,
  focusedControl,
  join,
  messageLog,
  openApp,
  patiently,
  scrollsSideways,
  sharedChromium,
  startWebApp,
  viewports,
  webBuild,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

/** Messages in the room: five times what a join shows, so reaching the start takes several pages. */
const TOTAL = 250;

/** The one message that mentions a heron: early, far out of the join's history. */
const HERON = 7;

/** What message `n` (1-based) says. */
function say(n: number): string {
  return n === HERON ? `Message ${n}: a grey heron stood in the reeds` : `Message ${n} of the long afternoon`;
}

/** Who says message `n`: ana and ben take turns, so the log has many groups. */
function authorOf(n: number): "ana" | "ben" {
  return n % 2 === 1 ? "ana" : "ben";
}

/** The numbers 1 to `last`. */
function upTo(last: number, first = 1): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

/**
 * Plays `TOTAL` messages into `room` through typed clients, far quicker than typing them; the test
 * server's send limits are generous (fixtures/generous-limits.ts).
 */
async function fillRoom(app: TestServer, room: string): Promise<void> {
  const people = { ana: await chatter(app, "ana", [room]), ben: await chatter(app, "ben", [room]) };
  for (const n of upTo(TOTAL)) await people[authorOf(n)].say(room, say(n));
}

/** The shown room's messages, each an article. */
function articles(page: Page): Locator {
  return messageLog(page).getByRole("article");
}

/** The article of message `n`. */
function article(page: Page, n: number): Locator {
  return articles(page).filter({ hasText: new RegExp(`\\bMessage ${n}\\b`) });
}

/** The numbers of the messages shown, in the order shown. */
async function shownNumbers(page: Page): Promise<number[]> {
  return (await articles(page).allInnerTexts()).map((text) => Number(/\bMessage (\d+)\b/.exec(text)?.[1]));
}

/** The note that replaces the Load button once everything is loaded. */
function startNote(page: Page): Locator {
  return messageLog(page).getByText("This is the start of the conversation", { exact: true });
}

/** Where the reader was looking: the first message in view, and how far down the window it is. */
interface ReadingPlace {
  n: number;
  top: number;
}

/**
 * Scrolls the log to its very top, as a reader flicking up does, and reads the first message in
 * view there. One step in the page: the load that the scroll starts cannot come in between.
 */
async function scrollToTop(page: Page): Promise<ReadingPlace> {
  return articles(page).evaluateAll((shown) => {
    const log = shown[0]?.closest('[role="log"]');
    if (!log) throw new Error("no messages in a log");
    log.scrollTop = 0;
    const viewTop = log.getBoundingClientRect().top;
    const first = shown.find((element) => element.getBoundingClientRect().bottom > viewTop);
    const n = Number(/\bMessage (\d+)\b/.exec(first?.textContent ?? "")?.[1]);
    return { n, top: first?.getBoundingClientRect().top ?? Number.NaN };
  });
}

/** How far down the window message `n` is now. */
async function topOf(page: Page, n: number): Promise<number> {
  return article(page, n).evaluate((element) => element.getBoundingClientRect().top);
}

/** Whether `inner` is entirely within the visible part of `outer`, top to bottom. */
async function isWithin(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  return a !== null && b !== null && a.y >= b.y && a.y + a.height <= b.y + b.height;
}

/** Whether `locator` lies within the window's width, neither cut off at the left nor past the right. */
async function fitsWidth(page: Page, locator: Locator): Promise<boolean> {
  const [box, viewport] = [await locator.boundingBox(), page.viewportSize()];
  return box !== null && viewport !== null && box.x >= 0 && box.x + box.width <= viewport.width;
}

/** The in-memory broker, failing its next `failures` history pages as a store that is briefly away would. */
class FlakyHistoryBroker extends MemoryBroker {
  failures = 0;

  override async historyPage(...args: Parameters<MemoryBroker["historyPage"]>): ReturnType<MemoryBroker["historyPage"]> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("history store unavailable");
    }
    return super.historyPage(...args);
  }
}

describe.skipIf(chromiumPath === null)("scrolling back and searching", () => {
  const browser = sharedChromium();

  it("a newcomer who keeps scrolling to the top reaches the first message, each message once, and the message in view never moves", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("scroll");
    await fillRoom(app, room);
    const page = await openApp(browser(), app);
    await join(page, "reader", room);
    await expect.poll(() => shownNumbers(page), patiently).toEqual(upTo(TOTAL, TOTAL - 48));

    // A liveness bound: five pages of 50 hold everything, and each scroll to the top loads one.
    for (let scrolls = 0; (await startNote(page).count()) === 0; scrolls++) {
      expect(scrolls, "scrolls to the top before the start of the conversation").toBeLessThan(TOTAL / 10);
      const shown = await articles(page).count();
      const place = await scrollToTop(page);
      await expect.poll(() => articles(page).count(), patiently).toBeGreaterThan(shown);
      // Within a pixel: the browser rounds scroll offsets to whole device pixels.
      expect(Math.abs((await topOf(page, place.n)) - place.top), `message ${place.n} moved on screen`).toBeLessThanOrEqual(1);
    }

    expect(await shownNumbers(page)).toEqual(upTo(TOTAL));
    expect(await messageLog(page).getByRole("button", { name: "Load older messages" }).count()).toBe(0);
  });

  it("the Load older messages button loads a page at a time from the keyboard, then gives way to the start", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("keys");
    await fillRoom(app, room);
    const page = await openApp(browser(), app);
    await join(page, "reader", room);
    await expect.poll(() => articles(page).count(), patiently).toBe(49);

    // The message box has focus after joining. Above it in the Tab order: the newest message's
    // actions (the log's messages are one Tab stop), then the Load button.
    await expect.poll(() => focusedControl(page), patiently).toEqual({ role: "textbox", name: "Message" });
    await page.keyboard.press("Shift+Tab");
    expect(await focusedControl(page)).toEqual({ role: "button", name: "React" });
    await page.keyboard.press("Shift+Tab");
    expect(await focusedControl(page)).toEqual({ role: "button", name: "Load older messages" });
    await page.keyboard.press("Enter");
    await expect.poll(() => articles(page).count(), patiently).toBe(99);
    // Space works as well, and the button keeps focus for the next page.
    expect(await focusedControl(page)).toEqual({ role: "button", name: "Load older messages" });
    await page.keyboard.press("Space");
    await expect.poll(() => articles(page).count(), patiently).toBe(149);

    for (let presses = 0; (await startNote(page).count()) === 0; presses++) {
      expect(presses, "presses before the start of the conversation").toBeLessThan(TOTAL / 10);
      const shown = await articles(page).count();
      await page.keyboard.press("Enter");
      await expect.poll(async () => (await articles(page).count()) > shown || (await startNote(page).count()) > 0, patiently).toBe(true);
    }

    expect(await shownNumbers(page)).toEqual(upTo(TOTAL));
    // The button is gone; focus stays in the conversation instead of falling to the page.
    expect(await focusedControl(page)).toMatchObject({ role: "log" });
  });

  it("search finds a word from a message long before the join, and choosing it loads and shows that message", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("search");
    await fillRoom(app, room);
    const page = await openApp(browser(), app);
    await join(page, "reader", room);
    await expect.poll(() => articles(page).count(), patiently).toBe(49);
    expect(await article(page, HERON).count()).toBe(0);

    const box = page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("HERO");
    await box.press("Enter");
    const results = page.getByRole("list", { name: "Search results" });
    await expect.poll(() => results.getByRole("listitem").count(), patiently).toBe(1);
    const result = results.getByRole("listitem");
    expect(await result.innerText()).toContain(authorOf(HERON));
    expect(await result.innerText()).toContain(say(HERON));

    await result.getByRole("button").click();

    const heron = article(page, HERON);
    await expect.poll(() => heron.count(), patiently).toBe(1);
    await expect.poll(() => isWithin(heron, messageLog(page)), patiently).toBe(true);
    await expect.poll(() => heron.evaluate((element) => element === document.activeElement), patiently).toBe(true);
    expect(await results.count()).toBe(0);
    // Loaded page by page back to it: everything from there on, each once.
    const shown = await shownNumbers(page);
    expect(shown).toEqual(upTo(TOTAL, shown[0]));
    expect(shown[0]).toBeLessThanOrEqual(HERON);
  });

  it("a search that finds nothing says so", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("nothing");
    const ana = await chatter(app, "ana", [room]);
    for (const n of upTo(3)) await ana.say(room, say(n));
    const page = await openApp(browser(), app);
    await join(page, "reader", room);
    await expect.poll(() => articles(page).count(), patiently).toBe(3);

    const box = page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("kingfisher");
    await box.press("Enter");

    await expect.poll(() => page.getByText("No messages match “kingfisher”.").count(), patiently).toBe(1);
    expect(await page.getByRole("list", { name: "Search results" }).count()).toBe(0);
  });

  it("a failed load says so, and the Load older messages button tries again", async () => {
    const broker = new FlakyHistoryBroker();
    const app = await startTestServer({}, { broker, staticDir: webBuild });
    const room = uniqueRoomId("flaky");
    await fillRoom(app, room);
    const page = await openApp(browser(), app);
    await join(page, "reader", room);
    await expect.poll(() => articles(page).count(), patiently).toBe(49);

    broker.failures = 1;
    await scrollToTop(page);
    const failure = messageLog(page).getByText(/^Older messages could not be loaded: /);
    await expect.poll(() => failure.count(), patiently).toBe(1);
    expect(await articles(page).count()).toBe(49);

    await messageLog(page).getByRole("button", { name: "Load older messages" }).click();
    await expect.poll(() => articles(page).count(), patiently).toBe(99);
    expect(await failure.count()).toBe(0);
    expect(await shownNumbers(page)).toEqual(upTo(TOTAL, TOTAL - 98));
  });

  it("on a 360 px wide phone, older messages, the search field and its results fit without sideways scrolling", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("phone");
    await fillRoom(app, room);
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "reader", room);
    await expect.poll(() => articles(page).count(), patiently).toBe(49);

    await scrollToTop(page);
    await expect.poll(() => articles(page).count(), patiently).toBe(99);
    const box = page.getByRole("searchbox", { name: "Search messages" });
    await box.fill("afternoon");
    await box.press("Enter");
    const results = page.getByRole("list", { name: "Search results" });
    await expect.poll(() => results.getByRole("listitem").count(), patiently).toBeGreaterThan(0);

    expect(await scrollsSideways(page), "the page scrolls sideways").toBe(false);
    expect(await messageLog(page).evaluate((log) => log.scrollWidth > log.clientWidth), "the log scrolls sideways").toBe(false);
    for (const [name, control] of Object.entries({ "search field": box, "search results": results })) {
      expect(await fitsWidth(page, control), `${name} is wider than the window`).toBe(true);
    }
    expect(await results.evaluate((list) => list.scrollWidth > list.clientWidth), "the results scroll sideways").toBe(false);
  });
});
