/**
 * Several rooms in one tab: unread counts on the rooms not shown, switching between them, and
 * opening a room straight from its address.
 */
import { describe, expect, it } from "vitest";
import {
  accessibleName,
  chatter,
  isMember,
  join,
  logText,
  newBrowserContext,
  openApp,
  openTab,
  patiently,
  roomButton,
  roomHeading,
  sharedChromium,
  showRoom,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

describe.skipIf(chromiumPath === null)("rooms", () => {
  const browser = sharedChromium();

  it("counts unread messages on the room not shown, clears the count when it is opened, and never mixes rooms", async () => {
    const app = await startWebApp();
    const kitchen = uniqueRoomId("kitchen");
    const garden = uniqueRoomId("garden");
    const page = await openApp(browser(), app);
    await join(page, "alice", kitchen);
    await join(page, "alice", garden);
    const bob = await chatter(app, "bob", [kitchen, garden]);

    // Garden is shown: what is said in the kitchen waits there, counted.
    await bob.say(kitchen, "kettle is on");
    await bob.say(kitchen, "who wants tea?");
    await bob.say(garden, "the roses are out");
    await expect.poll(() => logText(page), patiently).toContain("the roses are out");
    await expect.poll(() => accessibleName(roomButton(page, kitchen)), patiently).toMatch(/\b2 unread\b/);
    expect(await accessibleName(roomButton(page, garden))).not.toMatch(/unread/);
    expect(await logText(page)).not.toContain("kettle");

    await showRoom(page, kitchen);
    await expect.poll(() => accessibleName(roomButton(page, kitchen)), patiently).not.toMatch(/unread/);
    const kitchenLog = await logText(page);
    expect(kitchenLog).toContain("kettle is on");
    expect(kitchenLog).toContain("who wants tea?");
    expect(kitchenLog).not.toContain("roses");

    // And the other way round, once more.
    await bob.say(garden, "tomatoes need water");
    await expect.poll(() => accessibleName(roomButton(page, garden)), patiently).toMatch(/\b1 unread\b/);
    expect(await logText(page)).not.toContain("tomatoes");
    await showRoom(page, garden);
    await expect.poll(() => logText(page), patiently).toContain("tomatoes need water");
    expect(await logText(page)).not.toContain("kettle");
    expect(await accessibleName(roomButton(page, garden))).not.toMatch(/unread/);
  });

  it("opening a room's address in a browser that remembers the name lands in that room without the form", async () => {
    const app = await startWebApp();
    const first = uniqueRoomId("first");
    const linked = uniqueRoomId("linked");
    const context = await newBrowserContext(browser());
    // The name is remembered (in localStorage) by joining once through the form.
    await join(await openTab(context, app.url), "alice", first);

    const tab = await openTab(context, `${app.url}/#/room/${linked}`);

    await roomHeading(tab, linked).waitFor();
    await tab.getByRole("textbox", { name: "Message" }).waitFor();
    await expect.poll(() => isMember(tab, "alice"), patiently).toBe(true);
    expect(await tab.getByRole("textbox", { name: "Room" }).inputValue()).toBe("");
  });
});
