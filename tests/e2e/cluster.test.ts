/**
 * What docs/scaling.md promises a newcomer: two nodes on one Redis, a browser on each, and the
 * two people talk as if they were on one server.
 */
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { isMember, join, logText, newBrowserContext, openTab, patiently, sendWithEnter, sharedChromium, webBuild } from "../fixtures/browser-app.js";
import { chromiumPath } from "../fixtures/chromium.js";
import { CLUSTER_TEST_TIMEOUT_MS, startCluster } from "../fixtures/cluster.js";
import { uniqueRoomId } from "../fixtures/helpers.js";

describe.skipIf(chromiumPath === null || redisServerPath === null)("two browsers on two nodes", { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  const browser = sharedChromium();

  it("lets alice on node A and bob on node B talk in one room and see each other in Members", async () => {
    const cluster = await startCluster();
    const [nodeA, nodeB] = await Promise.all([cluster.startNode({ STATIC_DIR: webBuild }), cluster.startNode({ STATIC_DIR: webBuild })]);
    const room = uniqueRoomId("across");
    const alice = await openTab(await newBrowserContext(browser()), nodeA.url);
    const bob = await openTab(await newBrowserContext(browser()), nodeB.url);
    await join(alice, "alice", room);
    await join(bob, "bob", room);

    await sendWithEnter(alice, "hello from node A");
    await expect.poll(() => logText(bob), patiently).toContain("alice just now hello from node A");
    await sendWithEnter(bob, "and hello from node B");
    await expect.poll(() => logText(alice), patiently).toContain("bob just now and hello from node B");

    await expect.poll(() => isMember(alice, "bob"), patiently).toBe(true);
    await expect.poll(() => isMember(bob, "alice"), patiently).toBe(true);
  });
});
