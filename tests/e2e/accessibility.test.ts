/**
 * Accessibility of the real page: axe-core's automated checks in light and dark, and everything
 * reachable and usable with the keyboard alone.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  type AccessibleControl,
  chatter,
  focusedControl,
  isMember,
  join,
  logText,
  newBrowserContext,
  openApp,
  openTab,
  patiently,
  refuseClipboard,
  roomHeading,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

type Axe = typeof axe;

/** More Tab presses than the page has controls: past this, focus is stuck or lost. */
const MAX_TABS = 40;

/** The serious and critical axe violations on the page as it is now, one line each: rule, impact, nodes. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Injected with `page.evaluate`, which runs through the DevTools protocol and is not governed by
  // the page's CSP (`default-src 'self'`), whereas a <script> from `addScriptTag` is refused. So the
  // app is checked under its real CSP, without a `bypassCSP` context.
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const { axe: runner } = globalThis as unknown as { axe: Axe };
    const { violations } = await runner.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => {
        const nodes = violation.nodes.map((node) => node.target.join(" ")).join(", ");
        return `${violation.id} (${violation.impact ?? "?"}): ${violation.help} at ${nodes}`;
      });
  });
}

/** Checks both color schemes of the page as it is now. */
async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await seriousViolations(page), `${where}, ${colorScheme}`).toEqual([]);
  }
}

/** Whether two snapshots name the same control. */
function sameControl(a: AccessibleControl | null, b: AccessibleControl): boolean {
  return a !== null && a.role === b.role && a.name === b.name;
}

/** Presses Tab until `target` has focus (not at all if it already has). */
async function tabTo(page: Page, target: AccessibleControl): Promise<void> {
  for (let press = 0; press < MAX_TABS; press++) {
    if (sameControl(await focusedControl(page), target)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target.role} "${target.name}"`);
}

/** Every control Tab focuses, in order, from the one after the current focus around to it again. */
async function tabCycle(page: Page): Promise<AccessibleControl[]> {
  const seen: AccessibleControl[] = [];
  for (let press = 0; press < MAX_TABS; press++) {
    await page.keyboard.press("Tab");
    const control = await focusedControl(page);
    // Between the last control and the first, focus visits the browser itself.
    if (control === null) continue;
    const first = seen[0];
    if (first !== undefined && sameControl(control, first)) return seen;
    seen.push(control);
  }
  throw new Error(`Tab did not come around within ${MAX_TABS} presses: ${JSON.stringify(seen)}`);
}

describe.skipIf(chromiumPath === null)("accessibility", () => {
  const browser = sharedChromium();

  it("the join screen and a room with messages and members have no serious or critical axe violations, light or dark", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("axe");
    const page = await openApp(browser(), app);
    await page.getByRole("textbox", { name: "Username" }).waitFor();
    await expectNoSeriousViolations(page, "join screen");

    await join(page, "alice", room);
    const bob = await chatter(app, "bob", [room]);
    await bob.say(room, "Is the agenda for Thursday final?");
    await page.getByRole("textbox", { name: "Message" }).fill("Almost: one more item on the budget.");
    await page.getByRole("button", { name: "Send" }).click();
    await bob.say(room, "Great, thanks!");
    await expect.poll(() => logText(page), patiently).toContain("Great, thanks!");
    await expect.poll(() => isMember(page, "bob"), patiently).toBe(true);
    await expectNoSeriousViolations(page, "room view");
  });

  it("with the keyboard alone one can join rooms, send a message, and Tab to every control", async () => {
    const app = await startWebApp();
    const first = uniqueRoomId("keys");
    const second = uniqueRoomId("tabs");
    const page = await openApp(browser(), app);

    await tabTo(page, { role: "textbox", name: "Username" });
    await page.keyboard.type("alice");
    await tabTo(page, { role: "textbox", name: "Room" });
    await page.keyboard.type(first);
    await page.keyboard.press("Enter");
    await roomHeading(page, first).waitFor();
    await tabTo(page, { role: "textbox", name: "Message" });
    await page.keyboard.type("typed, not clicked");
    await page.keyboard.press("Enter");
    await expect.poll(() => logText(page), patiently).toContain("typed, not clicked");

    // A second room, so there are several room buttons; the name is remembered in the form.
    await tabTo(page, { role: "textbox", name: "Room" });
    await page.keyboard.type(second);
    await page.keyboard.press("Enter");
    await roomHeading(page, second).waitFor();

    const reached = await tabCycle(page);
    expect(reached).toEqual(
      expect.arrayContaining([
        { role: "textbox", name: "Username" },
        { role: "textbox", name: "Room" },
        { role: "checkbox", name: "Private room" },
        { role: "button", name: "Join" },
        { role: "button", name: expect.stringContaining(first) },
        { role: "button", name: expect.stringContaining(second) },
        { role: "log", name: expect.any(String) },
        { role: "textbox", name: "Message" },
        { role: "button", name: "Send" },
        { role: "button", name: "Leave" },
      ]),
    );
  });

  it("a private room's marker, invite buttons, note and by-hand link field have no serious or critical axe violations, and work from the keyboard", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("axe-private");
    const context = await newBrowserContext(browser());
    // The clipboard refused, so the by-hand field shows too.
    await refuseClipboard(context);
    const page = await openTab(context, app.url);
    await page.getByRole("textbox", { name: "Username" }).fill("alice");
    await page.getByRole("textbox", { name: "Room" }).fill(room);
    await tabTo(page, { role: "checkbox", name: "Private room" });
    await page.keyboard.press("Space");
    await page.keyboard.press("Enter");
    await roomHeading(page, room).waitFor();

    await tabTo(page, { role: "button", name: "Copy invite link" });
    await page.keyboard.press("Enter");
    // Focus moves to the link, selected, ready to copy by hand.
    await expect.poll(() => focusedControl(page), patiently).toEqual({ role: "textbox", name: "Invite link" });
    await expectNoSeriousViolations(page, "private room with an invite link to copy by hand");

    await tabTo(page, { role: "button", name: "Revoke invite links" });
    await page.keyboard.press("Enter");
    await page.getByText("Invite links revoked; earlier links no longer work, and members stay.").waitFor();
    await expectNoSeriousViolations(page, "private room after revoking");
  });
});
