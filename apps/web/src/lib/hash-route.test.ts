import { describe, expect, it } from "vitest";
import { formatHash, parseHash } from "./hash-route";

describe("parseHash", () => {
  it("reads the room id from #/room/<id>", () => {
    expect(parseHash("#/room/general")).toEqual({ roomId: "general" });
  });

  it("case-folds the id as the server does", () => {
    expect(parseHash("#/room/General")).toEqual({ roomId: "general" });
  });

  it("tolerates a trailing slash and percent-encoding", () => {
    expect(parseHash("#/room/dev-ops/")).toEqual({ roomId: "dev-ops" });
    expect(parseHash("#/room/a%5Fb")).toEqual({ roomId: "a_b" });
  });

  it("names no room for other hashes", () => {
    expect(parseHash("")).toBeNull();
    expect(parseHash("#")).toBeNull();
    expect(parseHash("#/")).toBeNull();
    expect(parseHash("#/rooms/general")).toBeNull();
    expect(parseHash("#/room/")).toBeNull();
  });

  it("names no room when the id is invalid or malformed", () => {
    expect(parseHash("#/room/no spaces")).toBeNull();
    expect(parseHash("#/room/" + "x".repeat(33))).toBeNull();
    expect(parseHash("#/room/%E0%A4%A")).toBeNull();
    expect(parseHash("#/room/a/b")).toBeNull();
  });
});

describe("formatHash", () => {
  it("round-trips with parseHash", () => {
    expect(formatHash("general")).toBe("#/room/general");
    expect(parseHash(formatHash("a_b-1"))).toEqual({ roomId: "a_b-1" });
  });

  it("is empty when no room is shown", () => {
    expect(formatHash(null)).toBe("");
  });
});
