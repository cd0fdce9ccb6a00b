import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { isOriginAllowed, originsFor } from "./origin.js";

/** An upgrade request as far as the origin check reads it. */
function upgrade(headers: { origin?: string; host?: string }): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe("isOriginAllowed", () => {
  const local = originsFor(3000, undefined, []);

  it("allows a request without an Origin header, as non-browser clients send", () => {
    expect(isOriginAllowed(upgrade({ host: "chat.example.com" }), local)).toBe(true);
  });

  it("allows by default the pages of localhost and 127.0.0.1 on the server's port", () => {
    expect(isOriginAllowed(upgrade({ origin: "http://localhost:3000", host: "localhost:3000" }), local)).toBe(true);
    expect(isOriginAllowed(upgrade({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }), local)).toBe(true);
  });

  it("never takes the request's own Host as the reference, so a rebinding page is refused", () => {
    expect(isOriginAllowed(upgrade({ origin: "http://evil.example", host: "evil.example" }), local)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "http://evil.example:3000", host: "evil.example:3000" }), local)).toBe(false);
  });

  it("refuses another site, another port of the same host, and the opaque origin null", () => {
    const host = "localhost:3000";
    expect(isOriginAllowed(upgrade({ origin: "https://evil.example", host }), local)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "http://localhost:4000", host }), local)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "null", host }), local)).toBe(false);
  });

  it("answers to PUBLIC_ORIGIN instead of the local defaults, and to ALLOWED_ORIGINS besides, exactly", () => {
    const origins = originsFor(3000, ["https://chat.example.com"], ["https://app.example.com"]);
    const host = "chat.example.com";
    expect(isOriginAllowed(upgrade({ origin: "https://chat.example.com", host }), origins)).toBe(true);
    expect(isOriginAllowed(upgrade({ origin: "https://app.example.com", host }), origins)).toBe(true);
    expect(isOriginAllowed(upgrade({ origin: "http://localhost:3000", host }), origins)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "https://app.example.com.evil.example", host }), origins)).toBe(false);
    expect(isOriginAllowed(upgrade({ origin: "http://app.example.com", host }), origins)).toBe(false);
  });
});
