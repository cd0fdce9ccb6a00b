/**
 * The events (messages and changes) recently stored or read back, shared by every reader, as the
 * memory broker's ring shares its own: a hundred streams replaying a room's newest hundred
 * messages hold one copy of each, not a hundred, and a reader that stops reading holds
 * references, not copies (issue 12, attack A: without it, six connections of 60 replays each made
 * the server hold 350 MB). Bounded in bytes (`eventBytes`); the entries cached longest ago go first.
 */
import { eventBytes } from "@chat/api";
import type { ChatEvent } from "@chat/api/schema";

/** Events by seq, up to a byte budget. */
export class MessageCache {
  private readonly entries = new Map<number, ChatEvent>();
  private held = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes of the events held. */
  get bytes(): number {
    return this.held;
  }

  /** The event cached under `seq`, or the one `make` builds, cached from now on (frozen, as every reader gets it). */
  get(seq: number, make: () => ChatEvent): ChatEvent {
    const found = this.entries.get(seq);
    if (found !== undefined) return found;
    const event = Object.freeze(make());
    this.add(seq, event);
    return event;
  }

  /** Caches `event` under `seq`, dropping the oldest entries past the budget. */
  add(seq: number, event: ChatEvent): void {
    if (this.entries.has(seq)) return;
    this.entries.set(seq, event);
    this.held += eventBytes(event);
    for (const [oldest, dropped] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= eventBytes(dropped);
    }
  }

  /** Caches `event` in place of what `seq` held: a changed message's new state. */
  replace(seq: number, event: ChatEvent): void {
    this.forget(seq);
    this.add(seq, Object.freeze(event));
  }

  /** Forgets `seq`, whose row changed: the next read builds it again from the database. */
  forget(seq: number): void {
    const held = this.entries.get(seq);
    if (held === undefined) return;
    this.entries.delete(seq);
    this.held -= eventBytes(held);
  }
}
