import { describe, expect, it } from "vitest";
import { AddressBudgets } from "./address-budgets.js";
import { ManualClock } from "./clock.js";

describe("AddressBudgets", () => {
  it("gives each address its own budget, shared by every connection from it", () => {
    const budgets = new AddressBudgets(new ManualClock(), { rates: { send: { burst: 2, perSecond: 1 } } });
    const first = budgets.hold("10.0.0.1");
    const second = budgets.hold("10.0.0.1");
    const other = budgets.hold("10.0.0.2");
    expect(first).toBe(second);
    expect([first.send.take(), second.send.take(), first.send.take()]).toEqual([0, 0, 1000]);
    expect(other.send.take()).toBe(0);
  });

  it("forgets an address once nobody holds it and its buckets are full again, and keeps it before", () => {
    const clock = new ManualClock();
    const budgets = new AddressBudgets(clock, { rates: { send: { burst: 1, perSecond: 1 } } });
    const held = budgets.hold("held");
    held.send.take();
    budgets.of("spent").send.take();
    for (let index = 0; index < 1100; index++) budgets.of(`idle-${index}`);
    // The 1,024th new address swept: idle ones went, the spent and the held stayed.
    expect(budgets.size).toBeLessThan(100);
    expect(budgets.of("held")).toBe(held);
    const spent = budgets.of("spent");
    expect(spent.send.wait()).toBeGreaterThan(0);
    clock.advance(1000);
    budgets.release(held);
    for (let index = 0; index < 2100; index++) budgets.of(`more-${index}`);
    expect(budgets.of("held")).not.toBe(held);
  });

  it("stays under maxAddresses however many addresses come, forgetting the oldest that nobody holds", () => {
    const budgets = new AddressBudgets(new ManualClock(), { maxAddresses: 2000, rates: { connect: { burst: 5, perSecond: 0.001 } } });
    const held = budgets.hold("held");
    for (let index = 0; index < 10_000; index++) budgets.of(`busy-${index}`).connect.take();
    expect(budgets.size).toBeLessThanOrEqual(2000);
    expect(budgets.of("held")).toBe(held);
  });
});
