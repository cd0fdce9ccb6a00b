/**
 * The frames `createEventFrames` makes for subscription events. The reference for every frame is
 * what tRPC itself would send: `transformTRPCResponse` over the same response.
 */
import { initTRPC, type TRPCCombinedDataTransformer, tracked, transformTRPCResponse } from "@trpc/server";
import type { TRPCResponseMessage } from "@trpc/server/rpc";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { createEventFrames } from "./event-frames.js";

/** The root config of a superjson router, as the transport reads it. */
const config = initTRPC.create({ transformer: superjson }).router({})._def._config;

/** The envelope the transport writes before an event of subscription `id`. */
const envelope = (id: number): string => `{"id":${id},"result":`;

/** What tRPC would send for `message`, parsed back, to compare with ours. */
const reference = (message: TRPCResponseMessage): unknown => JSON.parse(JSON.stringify(transformTRPCResponse(config, message)));

/** A frame's text, parsed. */
const parsed = (frame: Buffer): unknown => JSON.parse(frame.toString("utf8"));

/** superjson's combined transformer, counting its `output.serialize` calls (a double of the interface only). */
function countingTransformer(): { transformer: TRPCCombinedDataTransformer; serializeCalls: () => number } {
  const base = config.transformer;
  let calls = 0;
  const transformer: TRPCCombinedDataTransformer = {
    input: base.input,
    output: {
      serialize: (value: unknown): unknown => {
        calls++;
        return base.output.serialize(value);
      },
      deserialize: (value: unknown): unknown => base.output.deserialize(value),
    },
  };
  return { transformer, serializeCalls: () => calls };
}

describe("createEventFrames", () => {
  it("frames a tracked event as tRPC would: its id beside the data, a Date kept by superjson's meta", () => {
    const frame = createEventFrames(config.transformer);
    const data = { text: "hi", sentAt: new Date("2024-05-06T07:08:09.010Z") };
    const expected = reference({ id: 1, result: { type: "data", id: "m1", data: { id: "m1", data } } });
    const actual = parsed(frame(envelope(1), tracked("m1", data)));
    expect(actual).toEqual(expected);
    // The meta is what makes the client revive a Date rather than a string.
    expect(JSON.stringify(actual)).toContain('"Date"');
  });

  it("frames an untracked event as tRPC would, without an id", () => {
    const frame = createEventFrames(config.transformer);
    const data = { type: "join", at: new Date(0), names: new Set(["a"]) };
    const actual = parsed(frame(envelope(7), data));
    expect(actual).toEqual(reference({ id: 7, result: { type: "data", data } }));
    expect(actual).not.toHaveProperty("result.id");
  });

  it("serialises a frozen event once for all its subscribers, and gives one envelope the very same bytes", () => {
    const { transformer, serializeCalls } = countingTransformer();
    const frame = createEventFrames(transformer);
    const data = Object.freeze({ text: "shared" });
    const first = frame(envelope(1), tracked("m1", data));
    // A broker builds the tracked envelope per subscriber, but hands each the same data object.
    const again = frame(envelope(1), tracked("m1", data));
    const other = frame(envelope(2), tracked("m1", data));
    expect(again).toBe(first);
    expect(parsed(other)).toEqual(reference({ id: 2, result: { type: "data", id: "m1", data: { id: "m1", data } } }));
    expect(serializeCalls()).toBe(1);
  });

  it("makes a new frame for a new id even when the data object is the same", () => {
    const { transformer, serializeCalls } = countingTransformer();
    const frame = createEventFrames(transformer);
    const data = Object.freeze({ text: "same object" });
    const first = parsed(frame(envelope(1), tracked("m1", data)));
    const second = parsed(frame(envelope(1), tracked("m2", data)));
    expect(second).not.toEqual(first);
    expect(second).toEqual(reference({ id: 1, result: { type: "data", id: "m2", data: { id: "m2", data } } }));
    expect(serializeCalls()).toBe(2);
  });

  it("gives an envelope seen before the new event's bytes, not the last event's", () => {
    const frame = createEventFrames(config.transformer);
    const a = Object.freeze({ text: "a" });
    const b = Object.freeze({ text: "b" });
    frame(envelope(1), a);
    expect(parsed(frame(envelope(1), b))).toEqual(reference({ id: 1, result: { type: "data", data: b } }));
    expect(parsed(frame(envelope(1), a))).toEqual(reference({ id: 1, result: { type: "data", data: a } }));
  });

  it("serialises an object that is not frozen for every frame, so one changed and sent again is sent as it is now", () => {
    const { transformer, serializeCalls } = countingTransformer();
    const frame = createEventFrames(transformer);
    const data = { text: "before" };
    expect(parsed(frame(envelope(1), tracked("m1", data)))).toEqual(reference({ id: 1, result: { type: "data", id: "m1", data: { id: "m1", data: { text: "before" } } } }));
    data.text = "after";
    expect(parsed(frame(envelope(1), tracked("m1", data)))).toEqual(reference({ id: 1, result: { type: "data", id: "m1", data: { id: "m1", data: { text: "after" } } } }));
    expect(serializeCalls()).toBe(2);
  });

  it("frames undefined as tRPC does, as valid JSON, with or without a transformer", () => {
    const plain = initTRPC.create().router({})._def._config;
    for (const { transformer } of [config, plain]) {
      const frame = createEventFrames(transformer);
      const text = frame(envelope(3), undefined).toString("utf8");
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(transformTRPCResponse({ ...config, transformer }, { id: 3, result: { type: "data", data: undefined } }))));
    }
  });
});
