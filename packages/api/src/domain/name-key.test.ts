import { describe, expect, it } from "vitest";
import { nameKey } from "./name-key.js";

describe("nameKey", () => {
  it("gives one key to a name in any case and with a Cyrillic а", () => {
    for (const name of ["Alice", "alice", "ALICE", "\u0430lice"]) expect(nameKey(name)).toBe("alice");
  });

  it("gives a Turkish dotted capital İ, precomposed or not, the key of a plain i", () => {
    expect(nameKey("AL\u0130CE")).toBe(nameKey("alice"));
    expect(nameKey("ALI\u0307CE")).toBe(nameKey("alice"));
    expect(nameKey("ali\u0307ce")).toBe(nameKey("alice"));
  });

  it("folds ß and ẞ to ss, as full case folding does", () => {
    for (const name of ["Straße", "STRASSE", "strasse", "STRA\u1E9EE"]) expect(nameKey(name)).toBe("strasse");
  });

  it("gives fullwidth letters the key of their plain forms", () => {
    expect(nameKey("ａｌｉｃｅ")).toBe("alice");
  });

  it("treats rn and m as one, as confusables.txt does", () => {
    expect(nameKey("m")).toBe(nameKey("rn"));
    expect(nameKey("Emma")).toBe(nameKey("ernrna"));
  });

  it("folds a lookalike whose prototype is a capital letter or a digit", () => {
    // Lisu ꓮ and Cherokee Ꭺ have the prototype "A", and 0 has "O": a second round folds them.
    expect(nameKey("\uA4EELICE")).toBe("alice");
    expect(nameKey("\u13AAlice")).toBe("alice");
    expect(nameKey("b0b")).toBe(nameKey("bob"));
  });

  it("keeps different names apart", () => {
    expect(nameKey("alice")).not.toBe(nameKey("alicia"));
    expect(nameKey("bob")).not.toBe(nameKey("rob"));
    expect(nameKey("Zoë")).not.toBe(nameKey("Zoe"));
  });

  it("ignores invisible characters inside a name, as the UTS #39 skeleton does", () => {
    // usernameSchema refuses zero-width spaces and joiners but lets a soft hyphen through.
    for (const name of ["ali\u00ADce", "ali\u200Bce", "ali\u034Fce", "alice\uFE0F"]) expect(nameKey(name)).toBe("alice");
  });

  it("is idempotent, also for characters whose prototypes need three rounds", () => {
    for (const name of ["Alice", "AL\u0130CE", "Straße", "b0b", "100%", "‰", "\uA4EELICE", "Ǆemal"]) {
      const key = nameKey(name);
      expect(nameKey(key)).toBe(key);
    }
  });
});
