/**
 * The last `capacity` items of a room, oldest first, each under its sequence number: O(1)
 * append, O(log n) lookup by sequence number, no allocation per item once full. The arrays grow
 * with the room, so ten thousand quiet rooms do not each reserve a full history.
 */
export class HistoryRing<T> {
  private readonly items: T[] = [];
  private readonly seqs: number[] = [];
  /** Index of the oldest item once the ring is full and wraps. */
  private start = 0;
  /** See `floor`. */
  private dropped: number;

  /** `floor` is a seq below every seq that will be pushed: where this ring's life starts. */
  constructor(
    readonly capacity: number,
    floor = 0,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.dropped = floor;
  }

  /**
   * The seq of the newest item dropped (or the ring's starting floor): every item pushed with a
   * greater seq is still held, so a reader positioned here has missed nothing.
   */
  get floor(): number {
    return this.dropped;
  }

  /** How many items are retained. */
  get size(): number {
    return this.items.length;
  }

  /** Appends `item` under `seq`, dropping the oldest when full. `seq` must grow with each push. */
  push(seq: number, item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      this.seqs.push(seq);
      return;
    }
    this.dropped = this.seqs[this.start] ?? this.dropped;
    this.items[this.start] = item;
    this.seqs[this.start] = seq;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The newest `limit` items, oldest first. */
  last(limit: number): T[] {
    return this.slice(Math.max(0, this.items.length - limit));
  }

  /**
   * The items after the one stored under `seq`, oldest first. When `seq` is `null` or cannot be
   * placed (see `resume`), all of them: a reader that cannot be placed gets everything rather than
   * a guess.
   */
  after(seq: number | null): T[] {
    return (seq === null ? undefined : this.resume(seq)) ?? this.slice(0);
  }

  /**
   * The items after position `seq`, oldest first, or `undefined` when this ring cannot tell what
   * comes after it: `seq` was dropped, or lies among or past the held seqs without being one.
   * Any seq from `floor` up to (not including) the oldest held one is the position just before
   * everything held, so it yields all of them: nothing after it was dropped.
   */
  resume(seq: number): T[] | undefined {
    // Binary search: seqs increase but are not contiguous (one counter serves every room).
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqAt(mid) < seq) low = mid + 1;
      else high = mid;
    }
    if (low < this.items.length && this.seqAt(low) === seq) return this.slice(low + 1);
    return low === 0 && seq >= this.dropped ? this.slice(0) : undefined;
  }

  private seqAt(index: number): number {
    return this.seqs[(this.start + index) % this.items.length] ?? Number.NaN;
  }

  private slice(from: number): T[] {
    const result: T[] = [];
    const count = this.items.length;
    for (let index = from; index < count; index++) {
      const item = this.items[(this.start + index) % count];
      if (item !== undefined) result.push(item);
    }
    return result;
  }
}
