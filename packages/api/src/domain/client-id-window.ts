/**
 * What a room remembers of recent client message ids: key → the message it stored, forgotten
 * `ttlMs` after it was stored, and at most `capacity` keys. A Map iterates in insertion order and
 * every key lives equally long, so the expired ones are at the front: a sweep stops at the first
 * live key, runs only when the window is used, and no key needs a timer of its own.
 */
export class ClientIdWindow<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    /** Past it, the oldest key is forgotten early: a retry of it would be stored again. */
    private readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  /** How many keys are held, expired ones that no sweep has reached yet included. */
  get size(): number {
    return this.entries.size;
  }

  /** The value stored under `key` less than `ttlMs` before `now`, if any. */
  get(key: string, now: number): T | undefined {
    this.sweep(now);
    const entry = this.entries.get(key);
    // Checked again: a clock set back can leave an expired key behind a live one.
    return entry !== undefined && entry.expiresAt > now ? entry.value : undefined;
  }

  /** Remembers `value` under `key` until `ttlMs` after `now`. */
  set(key: string, value: T, now: number): void {
    this.sweep(now);
    // Deleted first, so a key set again moves to the back with the others of its age.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  /** Replaces every remembered value with `replace(value)`: how a deletion reaches the messages kept here. */
  replaceAll(replace: (value: T) => T): void {
    for (const entry of this.entries.values()) entry.value = replace(entry.value);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
