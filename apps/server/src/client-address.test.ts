import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { addressKey, clientAddress, peerAddress, trustedProxies } from "./client-address.js";

/** A request as far as `clientAddress` reads it: the TCP peer and the headers. */
function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  return { socket: { remoteAddress }, headers } as IncomingMessage;
}

describe("trustedProxies", () => {
  it("holds single addresses and CIDR ranges of both families", () => {
    const trusted = trustedProxies(["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]);

    expect(trusted.check("127.0.0.1", "ipv4")).toBe(true);
    expect(trusted.check("127.0.0.2", "ipv4")).toBe(false);
    expect(trusted.check("10.200.3.4", "ipv4")).toBe(true);
    expect(trusted.check("11.0.0.1", "ipv4")).toBe(false);
    expect(trusted.check("::1", "ipv6")).toBe(true);
    expect(trusted.check("fd12:3456::1", "ipv6")).toBe(true);
    expect(trusted.check("2001:db8::1", "ipv6")).toBe(false);
  });

  it("trusts nobody when TRUST_PROXY is empty", () => {
    const trusted = trustedProxies([]);

    expect(trusted.check("127.0.0.1", "ipv4")).toBe(false);
    expect(trusted.check("::1", "ipv6")).toBe(false);
  });
});

describe("clientAddress", () => {
  const behindProxy = trustedProxies(["10.0.0.0/8"]);

  it("is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress(request("198.51.100.9", "203.0.113.7"), trustedProxies([]))).toBe("198.51.100.9");
  });

  it("ignores X-Forwarded-For written by a peer that is not a trusted proxy", () => {
    expect(clientAddress(request("198.51.100.9", "203.0.113.7, 10.0.0.5"), behindProxy)).toBe("198.51.100.9");
  });

  it("is the forwarded address when the peer is a trusted proxy", () => {
    expect(clientAddress(request("10.0.0.1", "203.0.113.7"), behindProxy)).toBe("203.0.113.7");
  });

  it("walks a chain from the nearest hop back past every trusted proxy, and stops at the first hop none of them added", () => {
    // The client wrote 198.51.100.1 itself; its own address, 203.0.113.7, was added by the first proxy (10.0.0.5).
    const chain = request("10.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.5");

    expect(clientAddress(chain, behindProxy)).toBe("203.0.113.7");
  });

  it("does not let a client pick its key by prepending hops to the header", () => {
    const honest = clientAddress(request("10.0.0.1", "203.0.113.7"), behindProxy);
    const spoofed = clientAddress(request("10.0.0.1", "192.0.2.1, 192.0.2.2, 203.0.113.7"), behindProxy);

    expect(spoofed).toBe(honest);
  });

  it("stops at a hop that is not an address and keeps the last proxy that vouched for it", () => {
    expect(clientAddress(request("10.0.0.1", "203.0.113.7, not-an-address"), behindProxy)).toBe("10.0.0.1");
  });

  it("is the trusted peer itself when the header is missing or empty", () => {
    expect(clientAddress(request("10.0.0.1"), behindProxy)).toBe("10.0.0.1");
    expect(clientAddress(request("10.0.0.1", ""), behindProxy)).toBe("10.0.0.1");
  });

  it("reads IPv4-mapped IPv6 addresses, of the peer and of the hops, as the IPv4 addresses they are", () => {
    const trusted = trustedProxies(["127.0.0.1"]);

    expect(clientAddress(request("::ffff:127.0.0.1", "::ffff:203.0.113.7"), trusted)).toBe("203.0.113.7");
    expect(clientAddress(request("::ffff:198.51.100.9", "203.0.113.7"), trusted)).toBe("198.51.100.9");
  });

  it("follows IPv6 proxies and clients", () => {
    const trusted = trustedProxies(["fd00::/8"]);

    expect(clientAddress(request("fd00::1", "2001:db8:1:2::7, fd00::2"), trusted)).toBe("2001:db8:1:2::7");
  });
});

describe("peerAddress", () => {
  it("is the socket's remote address, IPv4-mapped ones unwrapped", () => {
    expect(peerAddress({ remoteAddress: "127.0.0.2" })).toBe("127.0.0.2");
    expect(peerAddress({ remoteAddress: "::ffff:127.0.0.2" })).toBe("127.0.0.2");
    expect(peerAddress({ remoteAddress: "2001:db8::1" })).toBe("2001:db8::1");
  });

  it("is \"unknown\" for a socket that closed before its address was read", () => {
    expect(peerAddress({ remoteAddress: undefined })).toBe("unknown");
  });
});

describe("addressKey", () => {
  it("keeps IPv4 addresses as they are, one key each", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("203.0.113.8")).not.toBe(addressKey("203.0.113.7"));
  });

  it("gives every address of one IPv6 /64 the same key, however it is written", () => {
    const key = addressKey("2001:db8:1:2::1");

    expect(key).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe(key);
    expect(addressKey("2001:0DB8:0001:0002:0:0:0:9")).toBe(key);
  });

  it("gives addresses of different /64s different keys", () => {
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
  });
});
