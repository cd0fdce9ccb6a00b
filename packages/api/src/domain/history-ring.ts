/**
 * The last `capacity` items of a room, oldest first, each under its sequence number, in fixed
 * arrays: O(1) append, O(log n) lookup by sequence number, no allocation per item once full.
 */
export class HistoryRing<T> {
  private readonly items: (T | undefined)[];
  private readonly seqs: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.items = new Array<T | undefined>(capacity);
    this.seqs = new Float64Array(capacity);
  }

  /** How many items are retained. */
  get size(): number {
    return this.count;
  }

  /** Appends `item` under `seq`, dropping the oldest when full. `seq` must grow with each push. */
  push(seq: number, item: T): void {
    let slot: number;
    if (this.count < this.capacity) {
      slot = (this.start + this.count) % this.capacity;
      this.count++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.items[slot] = item;
    this.seqs[slot] = seq;
  }

  /** The newest `limit` items, oldest first. */
  last(limit: number): T[] {
    return this.slice(Math.max(0, this.count - limit));
  }

  /** Every retained item whose seq is greater than `seq`, oldest first; all of them for `null`. */
  after(seq: number | null): T[] {
    if (seq === null) return this.slice(0);
    // Binary search: seqs increase but are not contiguous (one counter serves every room).
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.seqs[(this.start + mid) % this.capacity] ?? 0) <= seq) low = mid + 1;
      else high = mid;
    }
    return this.slice(low);
  }

  private slice(from: number): T[] {
    const result: T[] = [];
    for (let index = from; index < this.count; index++) {
      const item = this.items[(this.start + index) % this.capacity];
      if (item !== undefined) result.push(item);
    }
    return result;
  }
}
