/**
 * A dropped connection in a real browser: the page says it is reconnecting, comes back online by
 * itself, and shows what was said meanwhile exactly once, in order.
 */
import { describe, expect, it } from "vitest";
import {
  chatter,
  connectionStatus,
  join,
  logText,
  openDroppableApp,
  occurrences,
  patiently,
  sharedChromium,
  startWebApp,
} from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

describe.skipIf(chromiumPath === null)("a dropped connection", () => {
  const browser = sharedChromium();

  it("shows Reconnecting… then Online, and what others said meanwhile appears exactly once, in order", async () => {
    const app = await startWebApp();
    const room = uniqueRoomId("flaky");
    const { page: bob, network } = await openDroppableApp(browser(), app);
    await join(bob, "bob", room);
    const alice = await chatter(app, "alice", [room]);
    await expect.poll(() => connectionStatus(bob).innerText(), patiently).toBe("Online");

    await alice.say(room, "before the drop");
    await expect.poll(() => logText(bob), patiently).toContain("before the drop");

    await network.drop();
    await expect.poll(() => connectionStatus(bob).innerText(), patiently).toBe("Reconnecting…");
    // The server lets go of Bob after its short test grace (50 ms), so others may see him leave
    // and come back; what matters is what Bob's page shows once it is back.
    const meanwhile = ["first while away", "second while away", "third while away"];
    for (const text of meanwhile) await alice.say(room, text);

    await network.restore();
    await expect.poll(() => connectionStatus(bob).innerText(), patiently).toBe("Online");
    await alice.say(room, "after the drop");
    await expect.poll(() => logText(bob), patiently).toContain("after the drop");

    const log = await logText(bob);
    const expected = ["before the drop", ...meanwhile, "after the drop"];
    expect(expected.map((text) => occurrences(log, text))).toEqual(expected.map(() => 1));
    const positions = expected.map((text) => log.indexOf(text));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
