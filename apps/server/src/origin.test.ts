import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { isOriginAllowed } from "./origin.js";

/** An upgrade request as far as the origin check reads it. */
function upgrade(headers: { origin?: string; host?: string }): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe("isOriginAllowed", () => {
  it("allows a request without an Origin header, as non-browser clients send", () => {
    expect(isOriginAllowed(upgrade({ host: "chat.example.com" }), [])).toBe(true);
  });

  it("allows the server's own origin, whatever the scheme", () => {
    expect(isOriginAllowed(upgrade({ origin: "http://localhost:3000", host: "localhost:3000" }), [])).toBe(true);
    expect(isOriginAllowed(upgrade({ origin: "https://chat.example.com", host: "chat.example.com" }), [])).toBe(true);
  });

  it("refuses another site, another port of the same host, and the opaque origin null", () => {
    const host = "localhost:3000";
    expect(isOriginAllowed(upgrade({ origin: "https://evil.example", host }), [])).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "http://localhost:4000", host }), [])).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "null", host }), [])).toBe(false);
  });

  it("allows exactly the listed origins, not look-alikes", () => {
    const allowed = ["https://app.example.com"];
    const host = "api.example.com";
    expect(isOriginAllowed(upgrade({ origin: "https://app.example.com", host }), allowed)).toBe(true);
    expect(isOriginAllowed(upgrade({ origin: "https://app.example.com.evil.example", host }), allowed)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "http://app.example.com", host }), allowed)).toBe(false);
  });
});
