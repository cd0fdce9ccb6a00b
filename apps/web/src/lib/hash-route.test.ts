import { describe, expect, it } from "vitest";
import { formatHash, inviteLink, parseHash } from "./hash-route";

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
    expect(parseHash("#/room/no spaces?invite=" + "a".repeat(22))).toBeNull();
  });

  it("reads an invite from ?invite=<token>", () => {
    const invite = "AbC-_9".repeat(4);
    expect(parseHash(`#/room/General?invite=${invite}`)).toEqual({ roomId: "general", invite });
    expect(parseHash(`#/room/general/?invite=${invite}&x=1`)).toEqual({ roomId: "general", invite });
  });

  it("drops an invite that is not 22–64 base64url characters, and still names the room", () => {
    expect(parseHash("#/room/general?invite=short")).toEqual({ roomId: "general" });
    expect(parseHash(`#/room/general?invite=${"a".repeat(65)}`)).toEqual({ roomId: "general" });
    expect(parseHash(`#/room/general?invite=${"a".repeat(21)}+`)).toEqual({ roomId: "general" });
    expect(parseHash(`#/room/general?invite=${"a".repeat(21)}%2F`)).toEqual({ roomId: "general" });
    expect(parseHash("#/room/general?")).toEqual({ roomId: "general" });
    expect(parseHash("#/room/general?other=1")).toEqual({ roomId: "general" });
  });
});

describe("formatHash", () => {
  it("round-trips with parseHash", () => {
    expect(formatHash("general")).toBe("#/room/general");
    expect(parseHash(formatHash("a_b-1"))).toEqual({ roomId: "a_b-1" });
  });

  it("adds an invite that parseHash reads back", () => {
    const invite = "x".repeat(20) + "-_";
    expect(formatHash("general", invite)).toBe(`#/room/general?invite=${invite}`);
    expect(parseHash(formatHash("general", invite))).toEqual({ roomId: "general", invite });
  });

  it("is empty when no room is shown", () => {
    expect(formatHash(null)).toBe("");
  });
});

describe("inviteLink", () => {
  it("is the page's address with the room and the invite in the hash", () => {
    const invite = "Ab9_-".repeat(5);
    const page = { origin: "https://chat.example", pathname: "/app/" };
    expect(inviteLink(page, "team", invite)).toBe(`https://chat.example/app/#/room/team?invite=${invite}`);
  });
});
