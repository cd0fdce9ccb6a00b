import type { Clock } from "./clock.js";

/** Token-bucket settings. */
export interface RateLimitOptions {
  /** Calls allowed at once after a quiet spell. @default 20 */
  burst: number;
  /** Tokens added back per second. @default 5 */
  perSecond: number;
}

/**
 * A token bucket: `burst` calls at once, then `perSecond` on average. A refused call takes no
 * token, so a client that backs off as told is served again as soon as promised.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {
    this.tokens = options.burst;
    this.updatedAt = clock.now();
  }

  /** Takes one token and returns 0, or returns how many ms until one is available. */
  take(): number {
    const wait = this.wait();
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** How many ms until a token is available (0: one is), taking none. */
  wait(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.options.perSecond) * 1000);
  }

  /** Whether the bucket is full: it has been idle long enough to forget. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.options.burst;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.perSecond);
    this.updatedAt = now;
  }
}

