/**
 * The layout on a phone (360×740) and a desktop (1280×800), light and dark: nothing scrolls
 * sideways and the controls stay in view, even in a busy room. Each state is also saved as a
 * screenshot in tests/.artifacts/screenshots/ (git-ignored), e.g. room-phone-dark.png.
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  accessibleName,
  isFullyInViewport,
  join,
  logText,
  messageLog,
  openApp,
  patiently,
  roomButton,
  scrollsSideways,
  sharedChromium,
  startWebApp,
  storedIdentity,
  viewports,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { clockForBusyRoom, EDITED_LINE, LAST_LINE, playBusyRoom, READER } from "./busy-room.js";

const screenshotDir = resolve(import.meta.dirname, "../.artifacts/screenshots");

/** A screen to check: the controls that must stay in view, and what to wait for after a resize. */
interface Screen {
  /** The screenshots' name prefix, e.g. "room". */
  name: string;
  controls: Record<string, Locator>;
  /** @default nothing to wait for */
  settle?: () => Promise<void>;
}

/**
 * At every window size and color scheme: saves a screenshot named `<screen>-<device>-<scheme>.png`,
 * then checks that nothing scrolls sideways and that every control is entirely in the window.
 * The checks are soft, so every layout is reported rather than only the first that fails.
 */
async function checkEveryLayout(page: Page, screen: Screen): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  for (const [device, viewport] of Object.entries(viewports)) {
    await page.setViewportSize(viewport);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await screen.settle?.();
      // The pointer rests off the conversation, so no message shows its hover-only actions.
      await page.mouse.move(0, 0);
      await page.screenshot({ path: resolve(screenshotDir, `${screen.name}-${device}-${colorScheme}.png`), animations: "disabled" });
      const where = `${screen.name}, ${device}, ${colorScheme}`;
      expect.soft(await scrollsSideways(page), `${where}: the page scrolls sideways`).toBe(false);
      for (const [name, control] of Object.entries(screen.controls)) {
        expect.soft(await isFullyInViewport(page, control), `${where}: ${name} is cut off or outside the window`).toBe(true);
      }
    }
  }
}

describe.skipIf(chromiumPath === null)("layout on a phone and a desktop", () => {
  const browser = sharedChromium();

  it("the join screen fits without sideways scrolling, with its form in view", async () => {
    const app = await startWebApp();
    const page = await openApp(browser(), app);
    await page.getByRole("textbox", { name: "Username" }).waitFor();

    await checkEveryLayout(page, {
      name: "join",
      controls: {
        Username: page.getByRole("textbox", { name: "Username" }),
        Room: page.getByRole("textbox", { name: "Room" }),
        Join: page.getByRole("button", { name: "Join" }),
      },
    });
  });

  it("in a busy room the Message box and Send button stay in view, without sideways scrolling", async () => {
    const clock = clockForBusyRoom();
    const app = await startWebApp({ clock });
    // Plain names, as people would pick them, for the screenshots: the server is this test's own.
    const trip = "weekend-trip";
    const design = "design";
    const page = await openApp(browser(), app);
    await join(page, READER, design);
    await join(page, READER, trip);

    const identity = await storedIdentity(page);
    if (identity === null) throw new Error("The page kept no identity.");
    await playBusyRoom(app, clock, trip, design, identity);
    await expect.poll(() => logText(page), patiently).toContain(LAST_LINE);
    // The last change to the room, after its replies and reactions.
    await expect.poll(() => logText(page), patiently).toContain(`${EDITED_LINE} (edited)`);
    await expect.poll(() => accessibleName(roomButton(page, design)), patiently).toMatch(/\b1 unread\b/);

    await checkEveryLayout(page, {
      name: "room",
      controls: {
        "Message box": page.getByRole("textbox", { name: "Message" }),
        "Send button": page.getByRole("button", { name: "Send" }),
      },
      // A resize keeps a reader who is at the newest message there; wait until it has.
      settle: () =>
        expect
          .poll(() => messageLog(page).evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight), patiently)
          .toBeLessThanOrEqual(1),
    });
  });
});
