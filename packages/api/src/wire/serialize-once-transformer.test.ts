import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { createSerializeOnceTransformer } from "./serialize-once-transformer.js";

const message = { id: "e-1", roomId: "general", kind: "user", username: "alice", text: "hi", sentAt: new Date(1_700_000_000_000) };

describe("createSerializeOnceTransformer", () => {
  it("serialises a tracked event exactly as superjson does, and it round-trips", () => {
    const { output } = createSerializeOnceTransformer();
    const serialized: unknown = output.serialize({ id: message.id, data: message });
    expect(serialized).toEqual(superjson.serialize({ id: message.id, data: message }));
    expect(superjson.deserialize(serialized as Parameters<typeof superjson.deserialize>[0])).toEqual({ id: message.id, data: message });
  });

  it("reuses one serialisation for every subscriber's envelope of the same event", () => {
    const { output } = createSerializeOnceTransformer();
    const first: unknown = output.serialize({ id: message.id, data: message });
    expect(output.serialize({ id: message.id, data: message })).toBe(first);
  });

  it("serialises the same object anew under another id", () => {
    const { output } = createSerializeOnceTransformer();
    const first: unknown = output.serialize({ id: "e-1", data: message });
    const other: unknown = output.serialize({ id: "e-2", data: message });
    expect(other).not.toBe(first);
    expect(other).toEqual(superjson.serialize({ id: "e-2", data: message }));
  });

  it("never reuses a serialisation for a value that is not exactly an envelope", () => {
    const { output } = createSerializeOnceTransformer();
    output.serialize({ id: message.id, data: message });
    const wider = { id: message.id, data: message, extra: 1 };
    expect(output.serialize(wider)).toEqual(superjson.serialize(wider));
    expect(output.serialize(message)).toEqual(superjson.serialize(message));
    expect(output.serialize({ id: "x", data: "text" })).toEqual(superjson.serialize({ id: "x", data: "text" }));
    expect(output.serialize(null)).toEqual(superjson.serialize(null));
  });

  it("decodes inputs and outputs with plain superjson", () => {
    const { input, output } = createSerializeOnceTransformer();
    const wire = superjson.serialize({ at: new Date(5) });
    expect(input.deserialize(wire)).toEqual({ at: new Date(5) });
    expect(output.deserialize(wire)).toEqual({ at: new Date(5) });
  });
});
