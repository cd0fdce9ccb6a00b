/**
 * Input the server would refuse is caught in the page: a clear error next to the field, tied to
 * it for assistive technology, and nothing sent.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  join,
  openApp,
  patiently,
  roomButton,
  sendWithEnter,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { collectMessages, texts, uniqueRoomId } from "../fixtures/helpers.js";

/** How far (px) an error may sit from its field and still read as belonging to it. */
const NEAR_PX = 48;

/** Whether `error` is shown just above or below `field`, overlapping it horizontally. */
async function isNextTo(field: Locator, error: Locator): Promise<boolean> {
  const [a, b] = await Promise.all([field.boundingBox(), error.boundingBox()]);
  if (a === null || b === null) return false;
  const gap = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height));
  const overlaps = b.x < a.x + a.width && a.x < b.x + b.width;
  return gap <= NEAR_PX && overlaps;
}

/** Checks that the textbox named `field` is marked invalid, with an error matching `message` next to it and describing it. */
async function expectInlineError(page: Page, field: string, message: RegExp): Promise<void> {
  const box = page.getByRole("textbox", { name: field, exact: true });
  await expect.poll(() => box.getAttribute("aria-invalid"), patiently).toBe("true");
  // Tied to the field: the error is part of the field's accessible description.
  expect(await page.getByRole("textbox", { name: field, exact: true, description: message }).count()).toBe(1);
  const shown = page.getByText(message);
  expect(await shown.isVisible()).toBe(true);
  expect(await isNextTo(box, shown)).toBe(true);
}

describe.skipIf(chromiumPath === null)("validation in the page", () => {
  const browser = sharedChromium();

  it("a message over 2,000 characters shows an inline error naming the limit, and is not sent", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("long");
    const alice = await openApp(browser(), app);
    await join(alice, "alice", room);
    // Bob reads the room through the typed client: everything the server stores reaches him.
    const bob = app.client();
    await bob.trpc.joinRoom.mutate({ roomId: room, username: "bob" });
    const bobSees = collectMessages(bob, room);

    const tooLong = `${"long ".repeat(400)}!`;
    expect([...tooLong.trim()].length).toBe(2_001);
    const box = alice.getByRole("textbox", { name: "Message" });
    await box.fill(tooLong);
    await box.press("Enter");

    await expectInlineError(alice, "Message", /at most 2,?000 characters/i);
    // Kept for editing rather than lost.
    expect(await box.inputValue()).toBe(tooLong);

    // Had it been sent, it would reach Bob before this one.
    await sendWithEnter(alice, "a shorter one");
    await expect.poll(() => texts(bobSees.events), patiently).toContain("a shorter one");
    expect(texts(bobSees.events).filter((text) => text.includes("long long"))).toEqual([]);
    expect(await box.getAttribute("aria-invalid")).toBe("false");
  });

  it("a room name with spaces or punctuation shows an inline error naming the allowed characters, and joins nothing", async () => {
    const app = await startWebApp();
    const page = await openApp(browser(), app);
    const roomField = page.getByRole("textbox", { name: "Room" });

    await page.getByRole("textbox", { name: "Username" }).fill("alice");
    await roomField.fill("bad room!");
    await page.getByRole("button", { name: "Join" }).click();

    await expectInlineError(page, "Room", /only letters, digits/i);
    expect(await page.getByRole("textbox", { name: "Message" }).count()).toBe(0);

    // Fixed, it joins, and only that room is listed: the bad one was never joined.
    const good = uniqueRoomId("good");
    await join(page, "alice", good);
    expect(await roomButton(page, good).count()).toBe(1);
    expect(await roomButton(page, "bad room").count()).toBe(0);
    expect(await roomField.getAttribute("aria-invalid")).toBe("false");
    expect((await app.client().trpc.listRooms.query()).rooms.map((summary) => summary.roomId)).toEqual([good]);
  });
});
