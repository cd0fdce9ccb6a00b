/**
 * The last `capacity` items of a room, oldest first, each under its sequence number: O(1) append
 * and drop, O(log n) lookup by sequence number. The storage grows with the room (doubling up to
 * the capacity), so ten thousand quiet rooms do not each reserve a full history.
 */
export class HistoryRing<T> {
  private items: (T | undefined)[] = [];
  private seqs: number[] = [];
  /** Where the oldest item sits in `items`. */
  private start = 0;
  private count = 0;
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
    return this.count;
  }

  /** Appends `item` under `seq` (which must grow with each push); returns the oldest item if that made room for it. */
  push(seq: number, item: T): T | undefined {
    const dropped = this.count === this.capacity ? this.shift() : undefined;
    if (this.count === this.items.length) this.grow();
    const at = (this.start + this.count) % this.items.length;
    this.items[at] = item;
    this.seqs[at] = seq;
    this.count++;
    return dropped;
  }

  /** Drops the oldest item and returns it; the floor moves up to it. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.start];
    this.dropped = this.seqs[this.start] ?? this.dropped;
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** The newest `limit` items, oldest first. */
  last(limit: number): T[] {
    return this.from(Math.max(0, this.count - limit));
  }

  /** The items from position `index` (0 is the oldest held) to the newest. */
  from(index: number): T[] {
    return this.range(index, this.count);
  }

  /** The items from position `start` up to (not including) position `end`, oldest first. */
  range(start: number, end: number): T[] {
    const result: T[] = [];
    for (let at = Math.max(0, start); at < Math.min(end, this.count); at++) {
      const item = this.items[(this.start + at) % this.items.length];
      if (item !== undefined) result.push(item);
    }
    return result;
  }

  /**
   * The index of the first item after position `seq`, or `undefined` when this ring cannot tell
   * what comes after it: `seq` was dropped, or lies among or past the held seqs without being one.
   * Any seq from `floor` up to (not including) the oldest held one is the position just before
   * everything held: nothing after it was dropped, so its answer is 0.
   */
  indexAfter(seq: number): number | undefined {
    const low = this.lowerBound(seq);
    if (low < this.count && this.seqAt(low) === seq) return low + 1;
    return low === 0 && seq >= this.dropped ? 0 : undefined;
  }

  /** The item at position `index` (0 is the oldest held), if held. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.count ? this.items[(this.start + index) % this.items.length] : undefined;
  }

  /** Puts `item` in place of the one at position `index`, keeping its seq; returns the one it replaced. */
  replace(index: number, item: T): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const at = (this.start + index) % this.items.length;
    const replaced = this.items[at];
    this.items[at] = item;
    return replaced;
  }

  /** The position of the item held under `seq`, or `undefined` when none is. */
  indexOf(seq: number): number | undefined {
    const low = this.lowerBound(seq);
    return low < this.count && this.seqAt(low) === seq ? low : undefined;
  }

  /** The first position whose seq is not below `seq`: a binary search, since seqs increase but are not contiguous (one counter serves every room). */
  private lowerBound(seq: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqAt(mid) < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The position just before the newest `count` items: resuming from it yields exactly those. */
  positionBefore(count: number): number {
    return count >= this.count ? this.dropped : this.seqAt(this.count - count - 1);
  }

  private seqAt(index: number): number {
    return this.seqs[(this.start + index) % this.items.length] ?? Number.NaN;
  }

  /** Doubles the storage (up to the capacity), laying the items out oldest first again. */
  private grow(): void {
    const size = Math.min(this.capacity, Math.max(4, this.items.length * 2));
    const items = new Array<T | undefined>(size);
    const seqs = new Array<number>(size);
    for (let index = 0; index < this.count; index++) {
      const at = (this.start + index) % this.items.length;
      items[index] = this.items[at];
      seqs[index] = this.seqs[at] ?? Number.NaN;
    }
    this.items = items;
    this.seqs = seqs;
    this.start = 0;
  }
}
