import { describe, expect, it } from "vitest";
import { ConnectionLimits, type ConnectionSlot } from "./connection-limits.js";

function slot(result: ConnectionSlot | string): ConnectionSlot {
  if (typeof result === "string") throw new Error(`expected a slot, got ${result}`);
  return result;
}

describe("ConnectionLimits", () => {
  it("refuses past the total cap, whatever the address", () => {
    const limits = new ConnectionLimits({ maxConnections: 2, maxConnectionsPerIp: 10 });
    slot(limits.acquire("10.0.0.1"));
    slot(limits.acquire("10.0.0.2"));

    expect(limits.acquire("10.0.0.3")).toBe("max_connections");
    expect(limits.total).toBe(2);
  });

  it("refuses past the per-address cap while other addresses still get in", () => {
    const limits = new ConnectionLimits({ maxConnections: 10, maxConnectionsPerIp: 2 });
    slot(limits.acquire("10.0.0.1"));
    slot(limits.acquire("10.0.0.1"));

    expect(limits.acquire("10.0.0.1")).toBe("max_connections_per_ip");
    expect(typeof limits.acquire("10.0.0.2")).toBe("object");
  });

  it("gives a slot back on release, once however often release is called", () => {
    const limits = new ConnectionLimits({ maxConnections: 2, maxConnectionsPerIp: 1 });
    const first = slot(limits.acquire("10.0.0.1"));
    slot(limits.acquire("10.0.0.2"));

    first.release();
    first.release();

    expect(limits.total).toBe(1);
    expect(typeof limits.acquire("10.0.0.1")).toBe("object");
    expect(limits.acquire("10.0.0.3")).toBe("max_connections");
  });
});
