import { describe, expect, it } from "vitest";
import { formatMessageId, newEpoch, parseMessageSeq } from "./message-id.js";

describe("message ids", () => {
  it("gives back the seq of an id formatted with the same epoch", () => {
    const epoch = newEpoch(1_700_000_000_000);
    for (const seq of [1, 2, 41, 1_000_000, 999_999_999_999_999]) {
      expect(parseMessageSeq(epoch, formatMessageId(epoch, seq))).toBe(seq);
    }
  });

  it("formats different seqs of one epoch as different ids", () => {
    const epoch = newEpoch(1);
    expect(formatMessageId(epoch, 1)).not.toBe(formatMessageId(epoch, 11));
  });

  it("returns null for an id of another epoch", () => {
    const earlier = newEpoch(1_700_000_000_000);
    const later = newEpoch(1_700_000_000_001);
    expect(earlier).not.toBe(later);
    expect(parseMessageSeq(later, formatMessageId(earlier, 5))).toBeNull();
  });

  it("returns null for an id whose epoch only starts like the current one", () => {
    const epoch = newEpoch(1_700_000_000_000);
    expect(parseMessageSeq(epoch, `${epoch}0-5`)).toBeNull();
    expect(parseMessageSeq(epoch, `x${epoch}-5`)).toBeNull();
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["the empty string", ""],
    ["no dash", "garbage"],
    ["only a seq", "-5"],
    ["a trailing dash", "EPOCH-"],
    ["a negative-looking seq", "EPOCH--5"],
    ["a non-digit seq", "EPOCH-five"],
    ["a fractional seq", "EPOCH-1.5"],
    ["an exponent", "EPOCH-1e3"],
    ["a seq of 16 digits", "EPOCH-1234567890123456"],
    ["a space before the seq", "EPOCH- 5"],
  ])("returns null for %s", (_label, id) => {
    const epoch = newEpoch(1_700_000_000_000);
    expect(parseMessageSeq(epoch, id?.replace("EPOCH", epoch))).toBeNull();
  });

  it("makes later epochs differ from earlier ones", () => {
    expect(newEpoch(1_000)).not.toBe(newEpoch(2_000));
  });
});
