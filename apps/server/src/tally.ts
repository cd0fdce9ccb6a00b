/**
 * Counts by label values, kept as plain numbers where something happens and read only when
 * metrics are scraped: counting costs a map lookup and an add, never a metrics library call.
 */

/** One count and the label values it is kept under. */
export interface TallyEntry<Labels extends readonly string[]> {
  labels: Labels;
  count: number;
}

/** Counts by a tuple of label values (`["sendMessage", "TOO_MANY_REQUESTS"]`). */
export class Tally<Labels extends readonly string[]> {
  readonly #entries = new Map<string, TallyEntry<Labels>>();

  /** Adds one under `labels`. */
  add(...labels: Labels): void {
    const key = labels.join("\u0000");
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { labels, count: 1 });
    else entry.count++;
  }

  /** Every count so far. */
  entries(): IterableIterator<TallyEntry<Labels>> {
    return this.#entries.values();
  }
}
