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
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.options.perSecond) * 1000);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.perSecond);
    this.updatedAt = now;
  }
}
