import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { watchSlowConsumer } from "./slow-consumer.js";

/** Just enough of a server-side `ws` socket: sends add to `bufferedAmount` until `drain()`. */
class FakeWebSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closedWith: number | undefined;
  send(data: string): void {
    this.sent.push(data);
    this.bufferedAmount += data.length;
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate(): void {}
}

/** Records `cork()` and `uncork()` calls, in order. */
function fakeSocket(): { calls: string[]; cork(): void; uncork(): void } {
  const calls: string[] = [];
  return { calls, cork: () => calls.push("cork"), uncork: () => calls.push("uncork") };
}

/** Resolves in the check phase of the event loop, after the watcher's own flush. */
const afterTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("watchSlowConsumer", () => {
  it("holds a keeping-up reader's sends of one turn and releases them together at its end", async () => {
    const ws = new FakeWebSocket();
    const socket = fakeSocket();
    watchSlowConsumer(ws as unknown as WebSocket, { socket, maxBytes: 1_000_000, drainMs: 60_000, onSlowConsumer: () => undefined });
    ws.send("one");
    ws.send("two");
    ws.send("three");
    await Promise.resolve();
    expect(socket.calls).toEqual(["cork"]);
    await afterTurn();
    expect(socket.calls).toEqual(["cork", "uncork"]);
    expect(ws.sent).toEqual(["one", "two", "three"]);
  });

  it("checks a lagging reader at every send, so it is closed within one frame of maxBytes", () => {
    const ws = new FakeWebSocket();
    const socket = fakeSocket();
    const reports: number[] = [];
    watchSlowConsumer(ws as unknown as WebSocket, { socket, maxBytes: 10, drainMs: 60_000, onSlowConsumer: (_, bytes) => reports.push(bytes) });
    ws.bufferedAmount = 8;
    ws.send("abc");
    expect(socket.calls).toEqual([]);
    expect(reports).toEqual([11]);
    expect(ws.closedWith).toBe(4008);
  });

  it("without a socket, writes and checks every send at once", () => {
    const ws = new FakeWebSocket();
    const reports: number[] = [];
    watchSlowConsumer(ws as unknown as WebSocket, { maxBytes: 4, drainMs: 60_000, onSlowConsumer: (_, bytes) => reports.push(bytes) });
    ws.send("abc");
    expect(reports).toEqual([]);
    ws.send("def");
    expect(reports).toEqual([6]);
  });
});
