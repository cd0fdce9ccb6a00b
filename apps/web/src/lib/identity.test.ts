import { describe, expect, it } from "vitest";
import { IDENTITY_KEY, rememberedIdentity } from "./identity";
import type { KeyValueStorage } from "./storage";

function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { readonly data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value), data };
}

describe("rememberedIdentity", () => {
  it("creates a base64url secret on the first visit and keeps it", () => {
    const storage = memoryStorage();
    const secret = rememberedIdentity(storage);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22,128}$/);
    expect(storage.data.get(IDENTITY_KEY)).toBe(secret);
  });

  it("returns the same secret on every later visit", () => {
    const storage = memoryStorage();
    expect(rememberedIdentity(storage)).toBe(rememberedIdentity(storage));
  });

  it("replaces a stored value the server would refuse", () => {
    const storage = memoryStorage({ [IDENTITY_KEY]: "not a secret" });
    const secret = rememberedIdentity(storage);
    expect(secret).not.toBe("not a secret");
    expect(storage.data.get(IDENTITY_KEY)).toBe(secret);
  });

  it("still gives a secret when storage throws, as in some private windows", () => {
    const throwing: KeyValueStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("SecurityError");
      },
    };
    expect(rememberedIdentity(throwing)).toMatch(/^[A-Za-z0-9_-]{22,128}$/);
  });
});
