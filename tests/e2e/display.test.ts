/**
 * What a message can do to the page around it: nothing. Long words and names wrap, stacked marks
 * are refused, a right-to-left message reads right to left inside its own line, and a bidi
 * control shows as a marker instead of reordering the text ("see ⟪RLO⟫fdp.exe", not "see exe.pdf").
 */
import { MemoryBroker } from "@chat/api";
import { COMBINING_MARKS_MAX } from "@chat/api/schema";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  join,
  logText,
  messageLog,
  openApp,
  patiently,
  scrollsSideways,
  sendWithEnter,
  sharedChromium,
  startWebApp,
  viewports,
  webBuild,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { collectMessages, texts, trpcError, uniqueRoomId } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

/** `letters`, each under `perLetter` combining marks, as a Zalgo generator makes them. */
function zalgo(letters: string, perLetter: number): string {
  return [...letters]
    .map((letter, index) => {
      const stack = Array.from({ length: perLetter }, (_, mark) => 0x300 + ((index * perLetter + mark) % 0x70));
      return letter + String.fromCodePoint(...stack);
    })
    .join("");
}

/** Whether the log is wider inside than its box, i.e. scrolls sideways. */
async function logScrollsSideways(page: Page): Promise<boolean> {
  return messageLog(page).evaluate((log) => log.scrollWidth > log.clientWidth);
}

/** Waits until the shown room's log holds one line with `text` in it, and returns that line. */
async function shown(page: Page, text: string): Promise<Locator> {
  const line = messageLog(page).getByText(text);
  await expect.poll(() => line.count(), patiently).toBe(1);
  return line;
}

/**
 * Which way `text` is drawn inside `element`'s text nodes, from where its first and last characters
 * land: "rightward" when the first is left of the last, "leftward" when right of it.
 */
async function drawnWay(element: Locator, text: string): Promise<"rightward" | "leftward" | "collapsed"> {
  return element.evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const at = (node.textContent ?? "").indexOf(wanted);
      if (at < 0) continue;
      const left = (offset: number): number => {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().left;
      };
      const [first, last] = [left(at), left(at + wanted.length - 1)];
      return first < last ? "rightward" : first > last ? "leftward" : "collapsed";
    }
    throw new Error(`"${wanted}" is not in one text node`);
  }, text);
}

describe.skipIf(chromiumPath === null)("how messages are displayed", () => {
  const browser = sharedChromium();

  it("a 2,000-character word, a 32-character name, a message at the mark limit and a right-to-left message wrap without sideways scrolling, on a phone and a desktop", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("wrap");
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "W".repeat(32), room);

    const word = "x".repeat(2_000);
    const stacked = `e${"\u0301".repeat(COMBINING_MARKS_MAX)}`.repeat(300);
    const rightToLeft = "שלום לכולם, מה שלומכם היום? مرحبا بالجميع";
    for (const text of [word, stacked, rightToLeft]) await sendWithEnter(page, text);
    for (const text of [word, stacked, rightToLeft]) await shown(page, text);

    for (const viewport of [viewports.phone, viewports.desktop]) {
      await page.setViewportSize(viewport);
      expect(await logScrollsSideways(page), `the log scrolls sideways at ${viewport.width} px`).toBe(false);
      expect(await scrollsSideways(page), `the page scrolls sideways at ${viewport.width} px`).toBe(false);
    }
  });

  it("a right-to-left message reads right to left, in a line of its own", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("rtl");
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "alice", room);

    await sendWithEnter(page, "שלום עולם");
    const line = await shown(page, "שלום עולם");
    // Polled, as below: the pending line is replaced by the acknowledged one, and a node that has
    // just left the page has neither style nor place.
    await expect.poll(() => line.evaluate((element) => getComputedStyle(element).direction), patiently).toBe("rtl");
    await expect.poll(() => drawnWay(line, "שלום עולם"), patiently).toBe("leftward");
  });

  it("a Zalgo message is refused in the page with the server's sentence naming the limit, and is not sent", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("zalgo");
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "alice", room);
    const bobSees = collectMessages(app.client(), room);
    const text = `hello ${zalgo("zalgo", 20)}`;
    const sentence = `Message must have at most ${COMBINING_MARKS_MAX} accents or other marks on one character.`;

    // The server refuses it from any client, with the sentence the page shows.
    const mallory = app.client();
    await mallory.trpc.joinRoom.mutate({ roomId: room, username: "mallory" });
    const refusal = await trpcError(mallory.trpc.sendMessage.mutate({ roomId: room, text }));
    expect([refusal.data?.code, refusal.message]).toEqual(["BAD_REQUEST", sentence]);

    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(text);
    await box.press("Enter");

    await expect.poll(() => box.getAttribute("aria-invalid"), patiently).toBe("true");
    // Shown, and tied to the box as its description.
    expect(await page.getByText(sentence).isVisible()).toBe(true);
    expect(await page.getByRole("textbox", { name: "Message", description: sentence }).count()).toBe(1);

    // Had it been sent, it would reach Bob before this one.
    await sendWithEnter(page, "plain hello");
    await expect.poll(() => texts(bobSees.events), patiently).toContain("plain hello");
    expect(texts(bobSees.events).filter((text) => text.startsWith("hello"))).toEqual([]);
  });

  it("a right-to-left override shows as a named marker, and the text after it stays in the order it was written", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("bidi");
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "alice", room);
    const mallory = app.client();
    await mallory.trpc.joinRoom.mutate({ roomId: room, username: "mallory" });
    await mallory.trpc.sendMessage.mutate({ roomId: room, text: "see \u202efdp.exe" });

    await expect.poll(() => logText(page), patiently).toContain("see ⟪RLO⟫fdp.exe");
    const log = messageLog(page);
    expect(await log.evaluate((element) => (element.textContent ?? "").includes("\u202e"))).toBe(false);

    const marker = log.getByRole("img", { name: "right-to-left override, U+202E" });
    expect(await marker.isVisible()).toBe(true);
    expect(await marker.textContent()).toBe("⟪RLO⟫");
    expect(await marker.getAttribute("title")).toContain("U+202E");

    // Drawn as written: "f" left of the final "e", so it reads "fdp.exe", not "exe.pdf".
    const line = await shown(page, "see ⟪RLO⟫fdp.exe");
    await expect.poll(() => drawnWay(line, "fdp.exe"), patiently).toBe("rightward");
  });

  it("a Zalgo message stored before the limit existed is cut at the log's edge instead of widening it", async () => {
    // Redis keeps history across upgrades: such a message can still arrive, and one character with
    // its marks cannot wrap.
    const broker = new MemoryBroker();
    const app = await startTestServer({}, { staticDir: webBuild, broker });
    const room = uniqueRoomId("legacy");
    await broker.publish(room, { kind: "user", username: "mallory", text: zalgo("Z", 1_999) });
    const page = await openApp(browser(), app, { viewport: viewports.phone });
    await join(page, "alice", room);

    await expect.poll(() => messageLog(page).getByText("mallory", { exact: true }).count(), patiently).toBe(1);
    expect(await logScrollsSideways(page)).toBe(false);
  });
});
