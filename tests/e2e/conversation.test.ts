/**
 * Two people talking in real browsers: messages, authors, times and membership as each of them
 * sees it, people leaving by closing their tab, and markup that must stay text.
 */
import { describe, expect, it } from "vitest";
import {
  chatter,
  isMember,
  join,
  logText,
  messageLog,
  occurrences,
  openApp,
  patiently,
  sendWithEnter,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

/** The issue asks for real time: the other person sees a message within 2 s of its sending. */
const REAL_TIME_MS = 2_000;

/** Poll options that end `REAL_TIME_MS` after `sentAt`, so the bound is measured from the send. */
function withinRealTimeOf(sentAt: number): { timeout: number } {
  return { timeout: Math.max(0, REAL_TIME_MS - (Date.now() - sentAt)) };
}

describe.skipIf(chromiumPath === null)("a conversation between two browsers", () => {
  const browser = sharedChromium();

  it("each person sees the other's message with its author and time within 2 s, and both are listed in Members", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("talk");
    const alice = await openApp(browser(), app);
    const bob = await openApp(browser(), app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);

    // Alice sends with Enter…
    let sentAt = Date.now();
    await sendWithEnter(alice, "hello from alice");
    // The group reads "<author> <time> <text>"; "just now" is how the app shows a fresh message's time.
    await expect.poll(() => logText(bob), withinRealTimeOf(sentAt)).toContain("alice just now hello from alice");

    // …and Bob with the Send button.
    await bob.getByRole("textbox", { name: "Message" }).fill("hi alice, bob here");
    sentAt = Date.now();
    await bob.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => logText(alice), withinRealTimeOf(sentAt)).toContain("bob just now hi alice, bob here");

    await expect.poll(() => isMember(alice, "bob"), patiently).toBe(true);
    await expect.poll(() => isMember(bob, "alice"), patiently).toBe(true);
  });

  it("shows the other person typing until their message arrives, and never one's own typing", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("typing");
    const alice = await openApp(browser(), app);
    const bob = await openApp(browser(), app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);

    await alice.getByRole("textbox", { name: "Message" }).fill("almost done");
    await expect.poll(() => bob.getByText("alice is typing…").count(), patiently).toBe(1);
    expect(await alice.getByText(/is typing…/).count()).toBe(0);

    await alice.getByRole("textbox", { name: "Message" }).press("Enter");
    // Read in one go in the page: the moment the message shows, the typing line must already be
    // gone. Were it left to its 5 s timeout instead, it would still be there at that moment.
    const read = (): Promise<{ arrived: boolean; typing: boolean }> =>
      bob.evaluate(() => ({
        arrived: document.querySelector('[role="log"]')?.textContent?.includes("almost done") ?? false,
        typing: document.body.innerText.includes("alice is typing…"),
      }));
    let seen = await read();
    await expect
      .poll(async () => {
        seen = await read();
        return seen.arrived;
      }, patiently)
      .toBe(true);
    expect(seen.typing).toBe(false);
  });

  it("closing someone's tab removes them from Members and says that they left", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("close");
    const alice = await openApp(browser(), app);
    const bob = await openApp(browser(), app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);
    await expect.poll(() => isMember(alice, "bob"), patiently).toBe(true);

    await bob.close();

    await expect.poll(() => logText(alice), patiently).toContain("bob left");
    await expect.poll(() => isMember(alice, "bob"), patiently).toBe(false);
    expect(await isMember(alice, "alice")).toBe(true);
  });

  it("shows HTML and Markdown in a message as the literal text that was sent", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("literal");
    const bob = await openApp(browser(), app);
    await join(bob, "bob", room);
    const alice = await chatter(app, "alice", [room]);

    const markup = ["<img src=x onerror=alert(1)>", "**not markdown**"];
    for (const text of markup) await alice.say(room, text);

    await expect.poll(() => logText(bob), patiently).toContain(markup.at(-1));
    const shown = await logText(bob);
    expect(markup.map((text) => occurrences(shown, text))).toEqual([1, 1]);
    // Rendered as HTML or Markdown, these would have become elements. (A dialog from the
    // `onerror` would fail the test through the tab's watch as well.)
    const created = await messageLog(bob).evaluate((log) => log.querySelectorAll("img, strong, b, em").length);
    expect(created).toBe(0);
  });
});
