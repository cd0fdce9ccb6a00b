/**
 * Whose request this is, for every limit kept per client address. The address is the TCP peer's,
 * unless that peer is a proxy the operator trusts (`TRUST_PROXY`): then it is the nearest address
 * in `X-Forwarded-For` that no trusted proxy added. A header a client writes itself is never
 * believed: a limit whose key the client chooses is no limit.
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIPv4, isIPv6, type Socket } from "node:net";

/** The proxies whose `X-Forwarded-For` is believed, from `TRUST_PROXY` entries (addresses and CIDR ranges). */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv6(address) ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** The client's address for `req`: the TCP peer, or past trusted proxies, the first hop they did not add. */
export function clientAddress(req: IncomingMessage, trusted: BlockList): string {
  let address = peerAddress(req.socket);
  if (!isTrusted(trusted, address)) return address;
  const forwarded = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? "")).split(",").map((hop) => plain(hop.trim()));
  // From the nearest hop back: each trusted proxy vouches for the hop before it.
  for (let index = hops.length - 1; index >= 0 && isTrusted(trusted, address); index--) {
    const hop = hops[index] ?? "";
    if (!isIPv4(hop) && !isIPv6(hop)) break;
    address = hop;
  }
  return address;
}

/** The TCP peer's address, an IPv4 one without the `::ffff:` a dual-stack socket gives it; "unknown" once the socket is gone. */
export function peerAddress(socket: Pick<Socket, "remoteAddress">): string {
  return plain(socket.remoteAddress ?? "unknown");
}

/**
 * The key budgets are kept under for `address`. An IPv6 host is usually given a whole /64, so
 * its addresses share one key: otherwise one machine could take thousands of budgets.
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  if (isIPv4(address)) return trusted.check(address, "ipv4");
  if (isIPv6(address)) return trusted.check(address, "ipv6");
  return false;
}

/** An IPv4 address as Node reports it on a dual-stack socket (`::ffff:1.2.3.4`) without its IPv6 prefix. */
function plain(address: string): string {
  return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** The eight 16-bit groups of an IPv6 address, in lowercase hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = "", tail = ""] = address.split("::");
  const part = (text: string): string[] => (text === "" ? [] : text.split(":"));
  const left = part(head);
  const right = part(tail);
  const middle = address.includes("::") ? Array.from({ length: 8 - left.length - right.length }, () => "0") : [];
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
