/**
 * Budgets per network address. A connection's own limits reset when it reconnects, so a client
 * that reconnects for each burst would get a fresh budget every time; what everyone behind one
 * address does is therefore limited too. The defaults let an office of 200 people behind one NAT
 * address chat normally (each is far below the per-connection limits), and stop one address
 * from doing the work of thousands.
 */
import type { Clock } from "./clock.js";
import { type RateLimitOptions, TokenBucket } from "./rate-limit.js";

/** What everyone behind one address shares. */
export interface AddressRates {
  /** WebSocket connections opened. @default { burst: 500, perSecond: 5 } */
  connect: RateLimitOptions;
  /** `joinRoom` calls. @default { burst: 1000, perSecond: 20 } */
  join: RateLimitOptions;
  /** Messages sent. @default { burst: 200, perSecond: 20 } */
  send: RateLimitOptions;
  /** Typing signals. @default { burst: 200, perSecond: 50 } */
  typing: RateLimitOptions;
  /** Rooms created: joins of a room with no history and nobody in it. @default { burst: 50, perSecond: 0.02 } */
  createRoom: RateLimitOptions;
}

/** The rates of `AddressBudgets` made without any. */
export const DEFAULT_ADDRESS_RATES: Readonly<AddressRates> = {
  connect: { burst: 500, perSecond: 5 },
  join: { burst: 1000, perSecond: 20 },
  send: { burst: 200, perSecond: 20 },
  typing: { burst: 200, perSecond: 50 },
  createRoom: { burst: 50, perSecond: 0.02 },
};

/** One address's buckets, shared by its connections. */
export class AddressBudget {
  readonly connect: TokenBucket;
  readonly join: TokenBucket;
  readonly send: TokenBucket;
  readonly typing: TokenBucket;
  readonly createRoom: TokenBucket;
  /** Connections that hold it: a budget in use is never forgotten. */
  holders = 0;

  constructor(rates: AddressRates, clock: Clock) {
    this.connect = new TokenBucket(rates.connect, clock);
    this.join = new TokenBucket(rates.join, clock);
    this.send = new TokenBucket(rates.send, clock);
    this.typing = new TokenBucket(rates.typing, clock);
    this.createRoom = new TokenBucket(rates.createRoom, clock);
  }

  /** Whether forgetting it would change nothing: nobody holds it and every bucket is full again. */
  get forgettable(): boolean {
    return this.holders === 0 && this.connect.full && this.join.full && this.send.full && this.typing.full && this.createRoom.full;
  }
}

/** Settings of `AddressBudgets`. */
export interface AddressBudgetsOptions {
  rates?: Partial<AddressRates>;
  /**
   * Addresses tracked at once. Past it, addresses nobody holds are forgotten, oldest first, even
   * before their buckets refill: memory stays bounded when very many addresses (IPv6) come and go.
   * @default 100000
   */
  maxAddresses?: number;
}

/** The budgets of every address, made on first use and forgotten once they would change nothing. */
export class AddressBudgets {
  private readonly budgets = new Map<string, AddressBudget>();
  private readonly rates: AddressRates;
  private readonly maxAddresses: number;
  /** Size past which the next new address sweeps the map: doubled after each sweep, so sweeping costs O(1) per address. */
  private sweepAt = 1024;

  constructor(
    private readonly clock: Clock,
    options: AddressBudgetsOptions = {},
  ) {
    this.rates = { ...DEFAULT_ADDRESS_RATES, ...options.rates };
    this.maxAddresses = options.maxAddresses ?? 100_000;
  }

  /** How many addresses are tracked. */
  get size(): number {
    return this.budgets.size;
  }

  /** The budget of `address` (a key from the transport: an IPv4 address, an IPv6 /64, …). */
  of(address: string): AddressBudget {
    const known = this.budgets.get(address);
    if (known !== undefined) return known;
    if (this.budgets.size >= this.sweepAt) this.sweep();
    const budget = new AddressBudget(this.rates, this.clock);
    this.budgets.set(address, budget);
    return budget;
  }

  /** Holds `address`'s budget for a connection until `release`: it is kept as long as one does. */
  hold(address: string): AddressBudget {
    const budget = this.of(address);
    budget.holders++;
    return budget;
  }

  /** Lets go of a budget taken with `hold`. */
  release(budget: AddressBudget): void {
    budget.holders = Math.max(0, budget.holders - 1);
  }

  /** Forgets what would change nothing, then, over `maxAddresses`, the oldest that nobody holds. */
  private sweep(): void {
    for (const [address, budget] of this.budgets) if (budget.forgettable) this.budgets.delete(address);
    const target = Math.floor(this.maxAddresses * 0.9);
    if (this.budgets.size >= this.maxAddresses) {
      // Insertion order is first use: the oldest go first.
      for (const [address, budget] of this.budgets) {
        if (this.budgets.size <= target) break;
        if (budget.holders === 0) this.budgets.delete(address);
      }
    }
    this.sweepAt = Math.min(this.maxAddresses, Math.max(1024, this.budgets.size * 2));
  }
}
