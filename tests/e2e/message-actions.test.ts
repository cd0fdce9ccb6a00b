/**
 * What people do to messages once sent, in two real browsers: edit (Enter saves, Escape cancels,
 * Up in an empty box edits one's last), delete after confirming, reply and follow a quote back
 * to its original, react through the picker and toggle a chip, and call someone by `@name`;
 * each as the other person sees it, by mouse and by keyboard alone, and the same on both screens
 * after a dropped connection. Read through roles and accessible names only.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  accessibleName,
  chatter,
  connectionStatus,
  focusedControl,
  isFullyInViewport,
  join,
  messageLog,
  newBrowserContext,
  openApp,
  openDroppableApp,
  openTab,
  patiently,
  sendWithEnter,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

/**
 * The role of `<mark>`, which the app gives a mention of the reader: Playwright resolves it,
 * though its types list only the roles of ARIA 1.2.
 */
const MARK = "mark" as Parameters<Page["getByRole"]>[0];

/** The messages of the shown room, one article each. */
function articles(page: Page): Locator {
  return messageLog(page).getByRole("article");
}

/** The first message whose article shows `text` (a reply quoting it comes later in the log). */
function message(page: Page, text: string): Locator {
  return articles(page).filter({ hasText: text }).first();
}

/** The shown room's Message box. */
function messageBox(page: Page): Locator {
  return page.getByRole("textbox", { name: "Message" });
}

/** The accessible names of a message's reaction chips, e.g. ["👍 2: bob, alice"]. */
async function chipNames(article: Locator): Promise<string[]> {
  const chips = article.getByRole("group", { name: "Reactions" }).getByRole("button");
  const names: string[] = [];
  for (const chip of await chips.all()) names.push(await accessibleName(chip));
  return names;
}

/**
 * What each message shows, in order, as a reader sees it: the same on every screen. A message
 * after the first of its author's run starts with its author's name for screen readers, which
 * depends on the minute it was sent in: that is left out.
 */
async function conversation(page: Page): Promise<string[]> {
  const lines = await articles(page).allInnerTexts();
  return lines.map((line) => line.replace(/\s+/g, " ").trim().replace(/^(alice|bob): /, ""));
}

/** Presses Shift+Tab until `name` (a button) has focus; fails after `limit` presses. */
async function shiftTabTo(page: Page, name: string | RegExp, limit = 8): Promise<void> {
  for (let step = 0; step < limit; step++) {
    await page.keyboard.press("Shift+Tab");
    const focused = await focusedControl(page);
    if (focused?.role === "button" && (typeof name === "string" ? focused.name === name : name.test(focused.name))) return;
  }
  throw new Error(`${String(name)} took no focus within ${limit} presses of Shift+Tab`);
}

describe.skipIf(chromiumPath === null)("acting on messages in two browsers", () => {
  const browser = sharedChromium();

  /** Two people in one room, each in a browser of their own. */
  async function twoPeople(prefix: string): Promise<{ alice: Page; bob: Page; room: string }> {
    const app = await startWebApp();
    const room = uniqueRoomId(prefix);
    const alice = await openApp(browser(), app);
    const bob = await openApp(browser(), app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);
    return { alice, bob, room };
  }

  it("edits in place (Enter saves, Escape cancels, Up edits the last), and only the author may edit or delete", async () => {
    const { alice, bob } = await twoPeople("edit");
    await sendWithEnter(alice, "hello from alice");
    await sendWithEnter(bob, "hello from bob");
    await expect.poll(() => articles(alice).count(), patiently).toBe(2);

    // Each sees Edit and Delete on their own message only; Reply and React on every one.
    for (const [page, own, other] of [
      [alice, "hello from alice", "hello from bob"],
      [bob, "hello from bob", "hello from alice"],
    ] as const) {
      await expect.poll(() => message(page, own).getByRole("button", { name: "Edit" }).count(), patiently).toBe(1);
      expect(await message(page, own).getByRole("button", { name: "Delete" }).count()).toBe(1);
      expect(await message(page, other).getByRole("button", { name: "Edit" }).count()).toBe(0);
      expect(await message(page, other).getByRole("button", { name: "Delete" }).count()).toBe(0);
      expect(await message(page, other).getByRole("button", { name: "Reply" }).count()).toBe(1);
      expect(await message(page, other).getByRole("button", { name: "React" }).count()).toBe(1);
    }

    // Enter saves.
    await message(alice, "hello from alice").hover();
    await message(alice, "hello from alice").getByRole("button", { name: "Edit" }).click();
    const editor = alice.getByRole("textbox", { name: "Edit message" });
    await editor.fill("hello, edited");
    await editor.press("Enter");
    await expect.poll(() => message(bob, "hello, edited").innerText(), patiently).toMatch(/hello, edited\s+\(edited\)/);
    await expect.poll(() => message(alice, "hello, edited").innerText(), patiently).toContain("(edited)");

    // Escape cancels.
    await message(alice, "hello, edited").hover();
    await message(alice, "hello, edited").getByRole("button", { name: "Edit" }).click();
    await editor.fill("never saved");
    await editor.press("Escape");
    await expect.poll(() => editor.count(), patiently).toBe(0);
    expect(await focusedControl(alice)).toEqual({ role: "textbox", name: "Message" });

    // Up in the empty Message box edits one's last message, as in Slack.
    await messageBox(alice).press("ArrowUp");
    await expect.poll(() => editor.inputValue(), patiently).toBe("hello, edited");
    await editor.fill("hello, edited twice");
    await editor.press("Enter");
    await expect.poll(() => message(bob, "hello, edited twice").count(), patiently).toBe(1);
    expect(await conversation(alice)).not.toContain("never saved");
    expect(await conversation(bob)).not.toContain("never saved");
  });

  it("deletes after confirming in a dialog, and replies quote their message until it is deleted", async () => {
    const { alice, bob } = await twoPeople("delete");
    await sendWithEnter(alice, "a thought worth answering");
    await expect.poll(() => message(bob, "a thought worth answering").count(), patiently).toBe(1);

    // Bob replies: the quote shows above the box, then above his message on both screens.
    await message(bob, "a thought worth answering").hover();
    await message(bob, "a thought worth answering").getByRole("button", { name: "Reply" }).click();
    await expect.poll(() => bob.getByText("Replying to alice").count(), patiently).toBe(1);
    expect(await focusedControl(bob)).toEqual({ role: "textbox", name: "Message" });
    await sendWithEnter(bob, "my answer");
    expect(await bob.getByRole("button", { name: "Cancel reply" }).count()).toBe(0);
    for (const page of [alice, bob]) {
      const quote = message(page, "my answer").getByRole("button", { name: /^In reply to alice/ });
      await expect.poll(() => accessibleName(quote), patiently).toBe("In reply to alice: a thought worth answering");
    }

    // A reply started and cancelled sends nothing as a reply.
    await message(bob, "a thought worth answering").hover();
    await message(bob, "a thought worth answering").getByRole("button", { name: "Reply" }).click();
    await bob.getByRole("button", { name: "Cancel reply" }).click();
    await sendWithEnter(bob, "just a message");
    expect(await message(bob, "just a message").getByRole("button", { name: /^In reply to/ }).count()).toBe(0);

    // Delete asks first; Cancel keeps the message.
    await message(alice, "a thought worth answering").hover();
    await message(alice, "a thought worth answering").getByRole("button", { name: "Delete" }).click();
    const dialog = alice.getByRole("dialog", { name: "Delete message?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.count(), patiently).toBe(0);
    expect(await message(alice, "a thought worth answering").count()).toBe(1);

    await message(alice, "a thought worth answering").hover();
    await message(alice, "a thought worth answering").getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    for (const page of [alice, bob]) {
      await expect.poll(() => conversation(page), patiently).toEqual(["Message deleted", "In reply to alice: Message deleted my answer", "just a message"]);
      // A deleted message takes no reactions or replies any more.
      expect(await articles(page).first().getByRole("button").count()).toBe(0);
    }
  });

  it("reacts through the picker and toggles with the chips, with counts and names on both screens", async () => {
    const { alice, bob } = await twoPeople("react");
    await sendWithEnter(alice, "lunch at noon?");
    await expect.poll(() => message(bob, "lunch at noon?").count(), patiently).toBe(1);

    await message(bob, "lunch at noon?").hover();
    await message(bob, "lunch at noon?").getByRole("button", { name: "React" }).click();
    await bob.getByRole("menu", { name: "Pick a reaction" }).getByRole("menuitem", { name: "👍" }).click();
    await expect.poll(() => bob.getByRole("menu", { name: "Pick a reaction" }).count(), patiently).toBe(0);
    await expect.poll(() => chipNames(message(alice, "lunch at noon?")), patiently).toEqual(["👍 1: bob"]);

    const chip = (page: Page): Locator => message(page, "lunch at noon?").getByRole("group", { name: "Reactions" }).getByRole("button").first();
    expect(await chip(bob).getAttribute("aria-pressed")).toBe("true");
    expect(await chip(alice).getAttribute("aria-pressed")).toBe("false");
    expect(await chip(alice).getAttribute("title")).toBe("bob");

    // Alice adds hers with the chip, then takes it back.
    await chip(alice).click();
    await expect.poll(() => chipNames(message(bob, "lunch at noon?")), patiently).toEqual(["👍 2: bob, alice"]);
    await expect.poll(() => chip(alice).getAttribute("aria-pressed"), patiently).toBe("true");
    await chip(alice).click();
    await expect.poll(() => chipNames(message(bob, "lunch at noon?")), patiently).toEqual(["👍 1: bob"]);

    // A second emoji is a second chip; the last one taken back removes it.
    await message(alice, "lunch at noon?").hover();
    await message(alice, "lunch at noon?").getByRole("button", { name: "React" }).click();
    await alice.getByRole("menu", { name: "Pick a reaction" }).getByRole("menuitem", { name: "🎉" }).click();
    await expect.poll(() => chipNames(message(bob, "lunch at noon?")), patiently).toEqual(["👍 1: bob", "🎉 1: alice"]);
    await chip(bob).click();
    await expect.poll(() => chipNames(message(alice, "lunch at noon?")), patiently).toEqual(["🎉 1: alice"]);
  });

  it("suggests members after @ and highlights a mention of the reader", async () => {
    const { alice, bob } = await twoPeople("mention");
    const box = messageBox(alice);
    await box.pressSequentially("see you @b");
    const suggestions = alice.getByRole("listbox", { name: "Mention suggestions" });
    await expect.poll(() => suggestions.getByRole("option").allInnerTexts(), patiently).toEqual(["@bob"]);
    expect(await suggestions.getByRole("option", { name: "bob" }).getAttribute("aria-selected")).toBe("true");
    await box.press("Enter");
    await expect.poll(() => box.inputValue(), patiently).toBe("see you @bob ");
    expect(await suggestions.count()).toBe(0);
    await box.pressSequentially("tomorrow");
    await box.press("Enter");

    const mark = message(bob, "see you").getByRole(MARK);
    await expect.poll(() => mark.allInnerTexts(), patiently).toEqual(["@bob"]);
    // On Alice's screen the name is set apart, but it is not her own: nothing is highlighted.
    await expect.poll(() => message(alice, "see you").count(), patiently).toBe(1);
    expect(await message(alice, "see you").getByRole(MARK).count()).toBe(0);

    // No suggestion for a name nobody has; Escape closes the list.
    await box.pressSequentially("@zed");
    expect(await suggestions.count()).toBe(0);
    await box.fill("");
    await box.pressSequentially("@");
    await expect.poll(() => suggestions.getByRole("option").count(), patiently).toBe(1);
    await box.press("Escape");
    expect(await suggestions.count()).toBe(0);
  });

  it("does every action with the keyboard alone", async () => {
    const { alice, bob } = await twoPeople("keys");
    await sendWithEnter(bob, "a message from bob");
    await sendWithEnter(alice, "typed without a mouse");
    await expect.poll(() => articles(alice).count(), patiently).toBe(2);
    await messageBox(alice).focus();

    // React: the newest message's actions are one Shift+Tab above the box; the log is one Tab stop.
    await shiftTabTo(alice, "React", 1);
    await alice.keyboard.press("Enter");
    expect(await focusedControl(alice)).toEqual({ role: "menuitem", name: "👍" });
    await alice.keyboard.press("ArrowRight");
    await alice.keyboard.press("Enter");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "React" });
    await expect.poll(() => chipNames(message(bob, "typed without a mouse")), patiently).toEqual(["❤️ 1: alice"]);

    // Escape closes the picker where it opened.
    await alice.keyboard.press("Enter");
    await alice.keyboard.press("Escape");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "React" });

    // Reply, from the same toolbar.
    await alice.keyboard.press("ArrowRight");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "Reply" });
    await alice.keyboard.press("Enter");
    expect(await focusedControl(alice)).toEqual({ role: "textbox", name: "Message" });
    await alice.keyboard.type("answering myself");
    await alice.keyboard.press("Enter");
    await expect.poll(() => conversation(bob), patiently).toContain("In reply to alice: typed without a mouse answering myself");

    // The quote takes the reader to the original.
    await shiftTabTo(alice, /^In reply to alice/);
    await alice.keyboard.press("Enter");
    await expect.poll(async () => (await focusedControl(alice))?.role, patiently).toBe("article");

    // From the original, Tab reaches its chip, which toggles with Space.
    await alice.keyboard.press("Tab");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "❤️ 1: alice" });
    await alice.keyboard.press("Space");
    await expect.poll(() => chipNames(message(bob, "typed without a mouse")), patiently).toEqual([]);

    // Its actions are next; Down moves to the reply's, where End and Left lead to Edit.
    await alice.keyboard.press("Tab");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "React" });
    await alice.keyboard.press("ArrowDown");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "React" });
    await alice.keyboard.press("End");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "Delete" });
    await alice.keyboard.press("ArrowLeft");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "Edit" });
    await alice.keyboard.press("Enter");
    await expect.poll(() => alice.getByRole("textbox", { name: "Edit message" }).inputValue(), patiently).toBe("answering myself");
    expect(await focusedControl(alice)).toEqual({ role: "textbox", name: "Edit message" });
    await alice.keyboard.press("ControlOrMeta+A");
    await alice.keyboard.type("answered by keyboard");
    await alice.keyboard.press("Enter");
    await expect.poll(() => conversation(bob), patiently).toContain("In reply to alice: typed without a mouse answered by keyboard (edited)");

    // Delete, confirming in the dialog with the keyboard: Cancel has focus first.
    await shiftTabTo(alice, "React", 1);
    await alice.keyboard.press("End");
    await alice.keyboard.press("Enter");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "Cancel" });
    await alice.keyboard.press("Tab");
    expect(await focusedControl(alice)).toEqual({ role: "button", name: "Delete" });
    await alice.keyboard.press("Enter");
    await expect.poll(() => conversation(bob), patiently).toEqual(["a message from bob", "typed without a mouse", "Message deleted"]);
    expect(await focusedControl(alice)).toEqual({ role: "textbox", name: "Message" });

    // A mention, picked with the arrow keys and Tab.
    await alice.keyboard.type("thanks @");
    await alice.keyboard.press("ArrowDown");
    await alice.keyboard.press("ArrowUp");
    await alice.keyboard.press("Tab");
    await alice.keyboard.type("for that");
    await alice.keyboard.press("Enter");
    await expect.poll(() => message(bob, "thanks").getByRole(MARK).allInnerTexts(), patiently).toEqual(["@bob"]);
  });

  it("a quote of a message outside the loaded history loads older pages and shows the original", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("quote");
    const dana = await chatter(app, "dana", [room]);
    const original = await dana.say(room, "the very first plan");
    for (let index = 1; index <= 60; index++) await dana.say(room, `filler line ${index}`);
    await dana.say(room, "back to the first plan", original);

    const reader = await openApp(browser(), app);
    await join(reader, "erin", room);
    await expect.poll(() => message(reader, "back to the first plan").count(), patiently).toBe(1);
    expect(await articles(reader).filter({ hasText: "the very first plan" }).count()).toBe(1);

    await message(reader, "back to the first plan").getByRole("button", { name: "In reply to dana: the very first plan" }).click();
    const shown = articles(reader).filter({ hasText: "the very first plan" }).first();
    await expect.poll(() => shown.innerText(), patiently).toBe("the very first plan");
    await expect.poll(() => isFullyInViewport(reader, shown), patiently).toBe(true);
    expect(await focusedControl(reader)).toMatchObject({ role: "article" });
  });

  it("after a dropped connection both screens show the same edits, deletions and reactions", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("resume");
    const { page: alice, network } = await openDroppableApp(browser(), app);
    const bob = await openApp(browser(), app);
    await join(alice, "alice", room);
    await join(bob, "bob", room);
    await sendWithEnter(alice, "alice before the drop");
    await sendWithEnter(bob, "bob before the drop");
    await sendWithEnter(bob, "bob will delete this");
    await expect.poll(() => articles(alice).count(), patiently).toBe(3);

    await network.drop();
    await expect.poll(() => connectionStatus(alice).innerText(), patiently).toBe("Reconnecting…");

    // While Alice is away, Bob edits, deletes, reacts and replies.
    await message(bob, "bob before the drop").hover();
    await message(bob, "bob before the drop").getByRole("button", { name: "Edit" }).click();
    await bob.getByRole("textbox", { name: "Edit message" }).fill("bob, edited while alice was away");
    await bob.getByRole("textbox", { name: "Edit message" }).press("Enter");
    await message(bob, "bob will delete this").hover();
    await message(bob, "bob will delete this").getByRole("button", { name: "Delete" }).click();
    await bob.getByRole("dialog", { name: "Delete message?" }).getByRole("button", { name: "Delete" }).click();
    await message(bob, "alice before the drop").hover();
    await message(bob, "alice before the drop").getByRole("button", { name: "React" }).click();
    await bob.getByRole("menu", { name: "Pick a reaction" }).getByRole("menuitem", { name: "👀" }).click();
    await message(bob, "alice before the drop").hover();
    await message(bob, "alice before the drop").getByRole("button", { name: "Reply" }).click();
    await sendWithEnter(bob, "did you see this?");
    await expect.poll(() => articles(bob).count(), patiently).toBe(4);

    await network.restore();
    await expect.poll(() => connectionStatus(alice).innerText(), patiently).toBe("Online");
    // Back, Alice reacts to the message Bob edited meanwhile.
    await expect.poll(() => message(alice, "bob, edited while alice was away").count(), patiently).toBe(1);
    await message(alice, "bob, edited while alice was away").hover();
    await message(alice, "bob, edited while alice was away").getByRole("button", { name: "React" }).click();
    await alice.getByRole("menu", { name: "Pick a reaction" }).getByRole("menuitem", { name: "🙏" }).click();
    const expected = [
      "alice before the drop 👀 1",
      "bob, edited while alice was away (edited) 🙏 1",
      "Message deleted",
      "In reply to alice: alice before the drop did you see this?",
    ];
    await expect.poll(() => conversation(alice), patiently).toEqual(expected);
    await expect.poll(() => conversation(bob), patiently).toEqual(expected);
  });

  it("counts mentions in the title while the tab is hidden, and notifies once asked to", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("notify");
    const context = await newBrowserContext(browser());
    await context.grantPermissions(["notifications"]);
    // Records the notifications the page raises, and lets the test hide the tab as switching away would.
    await context.addInitScript(() => {
      const shown: string[] = [];
      const Native = window.Notification;
      class Recorded extends Native {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push(`${title}: ${options?.body ?? ""}`);
        }
      }
      Object.defineProperty(window, "Notification", { value: Recorded, configurable: true });
      Object.defineProperty(window, "shownNotifications", { value: shown });
    });
    const setHidden = (page: Page, hidden: boolean): Promise<void> =>
      page.evaluate((value) => {
        Object.defineProperty(document, "visibilityState", { value: value ? "hidden" : "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    const notifications = (page: Page): Promise<string[]> =>
      page.evaluate(() => [...((window as unknown as { shownNotifications: string[] }).shownNotifications ?? [])]);
    const alice = await openTab(context, app.url);
    await join(alice, "alice", room);
    const bob = await chatter(app, "bob", [room]);

    const toggle = alice.getByRole("checkbox", { name: "Notify me when mentioned" });
    expect(await toggle.isChecked()).toBe(false);
    await setHidden(alice, true);
    await bob.say(room, "@alice are you around?");
    await expect.poll(() => alice.title(), patiently).toBe("1 mention · Chat");
    expect(await notifications(alice)).toEqual([]);
    await setHidden(alice, false);
    await expect.poll(() => alice.title(), patiently).toBe("Chat");

    await toggle.check();
    await expect.poll(() => toggle.isChecked(), patiently).toBe(true);
    await setHidden(alice, true);
    await bob.say(room, "not for anyone in particular");
    await bob.say(room, "lunch, @alice?");
    await expect.poll(() => alice.title(), patiently).toBe("1 mention · Chat");
    expect(await notifications(alice)).toEqual([`bob mentioned you in #${room}: lunch, @alice?`]);
    await setHidden(alice, false);
    await expect.poll(() => alice.title(), patiently).toBe("Chat");

    // Remembered for the next visit, until turned off.
    await alice.reload();
    await expect.poll(() => toggle.isChecked(), patiently).toBe(true);
    await toggle.uncheck();
    await alice.reload();
    await expect.poll(() => toggle.isChecked(), patiently).toBe(false);
  });
});
