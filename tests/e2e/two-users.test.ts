/**
 * The product as people use it: the production build of the web app, served by the real server,
 * in real Chromium, selected only by accessible names and roles.
 */
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

const webBuild = resolve(import.meta.dirname, "../../apps/web/dist");

/** Opens the app in a fresh browser context (its own storage, like another person's browser). */
async function openApp(browser: Browser, app: TestServer): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("dialog", (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
  await page.goto(app.url);
  return page;
}

/** Joins `room` as `username` through the join form. */
async function join(page: Page, username: string, room: string): Promise<void> {
  await page.getByRole("textbox", { name: "Username" }).fill(username);
  await page.getByRole("textbox", { name: "Room" }).fill(room);
  await page.getByRole("button", { name: "Join" }).click();
  await page.getByRole("heading", { name: new RegExp(room, "i") }).first().waitFor();
}

/** Shows a joined room by activating its entry in the room list. */
async function showRoom(page: Page, room: string): Promise<void> {
  await page.getByRole("button", { name: new RegExp(room) }).click();
}

describe.skipIf(chromiumPath === null)("two people in real browsers", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("chat in real time in two rooms at once, each seeing the other's messages and membership", async () => {
    const app = await startTestServer({}, { staticDir: webBuild });
    const general = uniqueRoomId("general");
    const random = uniqueRoomId("random");
    const alice = await openApp(browser, app);
    const bob = await openApp(browser, app);

    await join(alice, "alice", general);
    await join(bob, "bob", general);
    await join(alice, "alice", random);
    await join(bob, "bob", random);

    // Enter sends in one room…
    await showRoom(alice, general);
    await showRoom(bob, general);
    await alice.getByRole("textbox", { name: "Message" }).fill("hello from general");
    await alice.getByRole("textbox", { name: "Message" }).press("Enter");
    await expect.poll(() => bob.getByRole("log").innerText()).toContain("hello from general");
    expect(await bob.getByRole("log").innerText()).toContain("alice");

    // …the Send button in the other, and nothing crosses rooms.
    await showRoom(alice, random);
    await showRoom(bob, random);
    await bob.getByRole("textbox", { name: "Message" }).fill("hello from random");
    await bob.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => alice.getByRole("log").innerText()).toContain("hello from random");
    expect(await alice.getByRole("log").innerText()).not.toContain("hello from general");

    for (const page of [alice, bob]) {
      const members = page.getByRole("list", { name: "Members" });
      await expect.poll(() => members.innerText()).toMatch(/alice[\s\S]*bob|bob[\s\S]*alice/);
    }
  });

  it("shows markup in a message as the literal text it is", async () => {
    const app = await startTestServer({}, { staticDir: webBuild });
    const room = uniqueRoomId("xss");
    const alice = await openApp(browser, app);
    const bob = await openApp(browser, app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);

    const markup = "<img src=x onerror=alert(1)> **not markdown**";
    await alice.getByRole("textbox", { name: "Message" }).fill(markup);
    await alice.getByRole("button", { name: "Send" }).click();

    await expect.poll(() => bob.getByRole("log").innerText()).toContain(markup);
    expect(await bob.getByRole("log").locator("img").count()).toBe(0);
  });

  it("shows the others that someone left when they close their tab", async () => {
    const app = await startTestServer({}, { staticDir: webBuild });
    const room = uniqueRoomId("close");
    const alice = await openApp(browser, app);
    const bob = await openApp(browser, app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);
    const members = alice.getByRole("list", { name: "Members" });
    await expect.poll(() => members.innerText()).toContain("bob");

    await bob.context().close();

    await expect.poll(() => alice.getByRole("log").innerText(), { timeout: 10_000 }).toContain("bob left");
    await expect.poll(() => members.innerText()).not.toContain("bob");
  });
});
