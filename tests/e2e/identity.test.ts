/**
 * Identity and private rooms in the page: every tab of a browser is one person, who keeps their
 * name across tabs and reloads while nobody else can take it; a private room is closed to others
 * until a member hands them an invite link, which the page copies and then opens.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  isMember,
  join,
  logText,
  newBrowserContext,
  openTab,
  patiently,
  roomHeading,
  sendWithEnter,
  sharedChromium,
  refuseClipboard,
  startWebApp,
  storedIdentity,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";
import type { TestServer } from "../fixtures/test-server.js";

const PRIVATE_ROOM_REFUSED = "This room is private; ask a member for an invite link.";
const INVITE_REVOKED = "This invite link has expired or was revoked; ask a member for a new one.";

/** A browser context whose pages may use the clipboard, as a person who allowed it would. */
async function contextWithClipboard(browser: Browser): Promise<BrowserContext> {
  const context = await newBrowserContext(browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  return context;
}

/** Fills the join form and presses Join, without waiting for the room: for joins that may be refused. */
async function tryJoin(page: Page, username: string, room: string, options: { private?: boolean } = {}): Promise<void> {
  await page.getByRole("textbox", { name: "Username" }).fill(username);
  await page.getByRole("textbox", { name: "Room" }).fill(room);
  if (options.private === true) await page.getByRole("checkbox", { name: "Private room" }).check();
  await page.getByRole("button", { name: "Join" }).click();
}

/** Creates `room` as a private room through the join form and waits until it is shown. */
async function createPrivateRoom(page: Page, username: string, room: string): Promise<void> {
  await tryJoin(page, username, room, { private: true });
  await roomHeading(page, room).waitFor();
}

/** Makes an invite link with "Copy invite link" and reads it back from the clipboard. */
async function copyInviteLink(page: Page): Promise<string> {
  await page.getByRole("button", { name: "Copy invite link", exact: true }).click();
  await page.getByText("Invite link copied; it works for 7 days.").waitFor();
  return page.evaluate(() => navigator.clipboard.readText());
}

/** The room ids `listRooms` gives the person whose secret is `identity`. */
async function listedRooms(app: TestServer, identity: string): Promise<string[]> {
  const page = await app.client({ identity }).trpc.listRooms.query();
  return page.rooms.map((room) => room.roomId);
}

describe.skipIf(chromiumPath === null)("identity and private rooms", () => {
  const browser = sharedChromium();

  it("a name someone else holds is refused at the Username field, while a second tab of its holder joins and posts under it", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("names");
    const aliceBrowser = await newBrowserContext(browser());
    const alice = await openTab(aliceBrowser, app.url);
    await join(alice, "alice", room);

    // Another person: a new context has its own storage, so its own identity.
    const other = await openTab(await newBrowserContext(browser()), app.url);
    await tryJoin(other, "Alice", room);
    const username = other.getByRole("textbox", { name: "Username", exact: true });
    await expect.poll(() => username.getAttribute("aria-invalid"), patiently).toBe("true");
    // The server's sentence, tied to the field for assistive technology.
    expect(await other.getByRole("textbox", { name: "Username", exact: true, description: "The name Alice is taken; pick another." }).count()).toBe(1);
    expect(await other.getByText("The name Alice is taken; pick another.").isVisible()).toBe(true);
    expect(await roomHeading(other, room).count()).toBe(0);

    // The same person in a second tab.
    const secondTab = await openTab(aliceBrowser, app.url);
    await join(secondTab, "alice", room);
    await sendWithEnter(secondTab, "hello from my other tab");
    await expect.poll(() => logText(alice), patiently).toContain("hello from my other tab");
  });

  it("a private room refuses and hides itself from others, until a member's copied invite link lets one in for good", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("private");
    const alice = await openTab(await contextWithClipboard(browser()), app.url);
    await createPrivateRoom(alice, "alice", room);
    expect(await alice.getByText("Private", { exact: true }).isVisible()).toBe(true);
    await sendWithEnter(alice, "only for the invited");

    const bobBrowser = await newBrowserContext(browser());
    const bob = await openTab(bobBrowser, app.url);
    await tryJoin(bob, "bob", room);
    await bob.getByRole("alert").getByText(PRIVATE_ROOM_REFUSED).waitFor();
    expect(await roomHeading(bob, room).count()).toBe(0);
    expect(await bob.getByRole("navigation", { name: "Rooms" }).innerText()).not.toContain(room);
    // Listed to its member, so its absence from Bob's list is the room hiding, not a list lagging.
    const aliceIdentity = await storedIdentity(alice);
    const bobIdentity = await storedIdentity(bob);
    if (aliceIdentity === null || bobIdentity === null) throw new Error("The page kept no identity in localStorage.");
    await expect.poll(() => listedRooms(app, aliceIdentity), patiently).toContain(room);
    expect(await listedRooms(app, bobIdentity)).not.toContain(room);

    const link = await copyInviteLink(alice);
    expect(link).toMatch(new RegExp(`^${app.url}/#/room/${room}\\?invite=[A-Za-z0-9_-]{22,64}$`));

    // Bob opens the link; with no name remembered yet, he picks one in the prefilled form.
    const invited = await openTab(bobBrowser, link);
    const roomField = invited.getByRole("textbox", { name: "Room" });
    await expect.poll(() => roomField.inputValue(), patiently).toBe(room);
    await invited.getByRole("textbox", { name: "Username" }).fill("bob");
    await invited.getByRole("button", { name: "Join" }).click();
    await roomHeading(invited, room).waitFor();
    await expect.poll(() => logText(invited), patiently).toContain("only for the invited");
    await expect.poll(() => isMember(alice, "bob"), patiently).toBe(true);
    // Used once, the invite leaves the address, so sharing or reloading it sends it no more.
    await expect.poll(() => invited.url(), patiently).toBe(`${app.url}/#/room/${room}`);

    await invited.reload();
    await roomHeading(invited, room).waitFor();
    await invited.getByRole("textbox", { name: "Message" }).waitFor();
    await expect.poll(() => logText(invited), patiently).toContain("only for the invited");
  });

  it("revoking invite links stops the links handed out, and the members stay", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("revoke");
    const alice = await openTab(await contextWithClipboard(browser()), app.url);
    await createPrivateRoom(alice, "alice", room);
    const link = await copyInviteLink(alice);

    const bobBrowser = await newBrowserContext(browser());
    await join(await openTab(bobBrowser, app.url), "bob", uniqueRoomId("lobby"));
    // Bob's name is remembered, so the link joins him at once.
    const bob = await openTab(bobBrowser, link);
    await roomHeading(bob, room).waitFor();

    await alice.getByRole("button", { name: "Revoke invite links", exact: true }).click();
    await alice.getByText("Invite links revoked; earlier links no longer work, and members stay.").waitFor();

    const carol = await openTab(await newBrowserContext(browser()), link);
    await carol.getByRole("textbox", { name: "Username" }).fill("carol");
    await carol.getByRole("button", { name: "Join" }).click();
    await carol.getByRole("alert").getByText(INVITE_REVOKED).waitFor();
    expect(await roomHeading(carol, room).count()).toBe(0);

    await bob.reload();
    await roomHeading(bob, room).waitFor();
    await bob.getByRole("textbox", { name: "Message" }).waitFor();
  });

  it("where the clipboard refuses, the invite link shows in a read-only field to copy by hand", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("by-hand");
    const context = await newBrowserContext(browser());
    await refuseClipboard(context);
    const alice = await openTab(context, app.url);
    await createPrivateRoom(alice, "alice", room);

    await alice.getByRole("button", { name: "Copy invite link", exact: true }).click();
    const field = alice.getByRole("textbox", { name: "Invite link", exact: true });
    await field.waitFor();
    expect(await field.getAttribute("readonly")).not.toBeNull();
    expect(await field.inputValue()).toMatch(new RegExp(`^${app.url}/#/room/${room}\\?invite=[A-Za-z0-9_-]{22,64}$`));
    expect(await alice.getByText("Invite link copied").count()).toBe(0);
  });

  it("the remembered identity survives a reload: the name is still its holder's, and still not anyone else's", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("reload");
    const alice = await openTab(await newBrowserContext(browser()), app.url);
    await join(alice, "alice", room);
    const other = await openTab(await newBrowserContext(browser()), app.url);

    await alice.reload();
    // The address names the room and the name is remembered, so the reload joins by itself.
    await roomHeading(alice, room).waitFor();
    await alice.getByRole("textbox", { name: "Message" }).waitFor();
    await sendWithEnter(alice, "back after a reload");
    await expect.poll(() => logText(alice), patiently).toContain("back after a reload");

    await tryJoin(other, "alice", room);
    await other.getByText("The name alice is taken; pick another.").waitFor();
    expect(await roomHeading(other, room).count()).toBe(0);
  });
});
