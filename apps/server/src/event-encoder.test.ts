import { jsonEncoder } from "@trpc/server/adapters/ws";
import { describe, expect, it } from "vitest";
import { createEventEncoder } from "./event-encoder.js";

const message = { id: "e-1", roomId: "general", kind: "user", username: "alice", text: 'say "hi"\n', sentAt: "2023-11-14T22:13:20.000Z" };
/** What the transformer (superjson) hands the adapter for one event, shared by every subscriber. */
const payload = { json: { id: message.id, data: message }, meta: { values: { "data.sentAt": ["Date"] }, v: 1 } };

/** A tracked event's response as the ws adapter builds it (keys in its order). */
const eventResponse = (id: number | string, jsonrpc?: "2.0"): unknown => ({ id, jsonrpc, result: { type: "data", data: payload, id: message.id } });

describe("createEventEncoder", () => {
  it("encodes a tracked event to exactly what JSON.stringify of the whole response gives", () => {
    const encoder = createEventEncoder();
    for (const response of [eventResponse(2), eventResponse("sub-1", "2.0"), eventResponse(3)]) {
      expect(encoder.encode(response)).toBe(JSON.stringify(response));
    }
  });

  it("gives each subscriber its own envelope around the same payload", () => {
    const encoder = createEventEncoder();
    const first = JSON.parse(String(encoder.encode(eventResponse(2)))) as unknown;
    const second = JSON.parse(String(encoder.encode(eventResponse(7)))) as unknown;
    expect(first).toEqual({ id: 2, result: { type: "data", data: payload, id: message.id } });
    expect(second).toEqual({ id: 7, result: { type: "data", data: payload, id: message.id } });
  });

  it("encodes every other message with plain JSON.stringify", () => {
    const encoder = createEventEncoder();
    const others: unknown[] = [
      { id: 1, result: { type: "data", data: { json: { history: [message] } } } },
      { id: 2, result: { type: "started" } },
      { id: 3, result: { type: "data", data: { json: { type: "join", roomId: "general", username: "bob" } } } },
      { id: 2, result: { type: "data", data: "not an object", id: message.id } },
      { id: null, error: { json: { message: "no", code: -32600 } } },
      { id: null, method: "reconnect" },
      "PONG",
    ];
    for (const other of others) expect(encoder.encode(other)).toBe(JSON.stringify(other));
  });

  it("decodes as tRPC's JSON encoder does", () => {
    const encoder = createEventEncoder();
    const frame = JSON.stringify({ id: 1, method: "mutation", params: { path: "joinRoom", input: { json: {} } } });
    expect(encoder.decode(frame)).toEqual(jsonEncoder.decode(frame));
    expect(() => encoder.decode(new Uint8Array([1]))).toThrow();
  });
});
