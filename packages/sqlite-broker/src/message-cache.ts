/**
 * The messages recently stored or read back, shared by every reader, as the memory broker's ring
 * shares its own: a hundred streams replaying a room's newest hundred messages hold one copy of
 * each, not a hundred, and a reader that stops reading holds references, not copies (issue 12,
 * attack A: without it, six connections of 60 replays each made the server hold 350 MB).
 * Bounded in bytes (`messageBytes`); the entries cached longest ago go first.
 */
import { messageBytes } from "@chat/api";
import type { ChatMessage } from "@chat/api/schema";

/** Messages by seq, up to a byte budget. */
export class MessageCache {
  private readonly entries = new Map<number, ChatMessage>();
  private held = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes of the messages held. */
  get bytes(): number {
    return this.held;
  }

  /** The message cached under `seq`, or the one `make` builds, cached from now on (frozen, as every reader gets it). */
  get(seq: number, make: () => ChatMessage): ChatMessage {
    const found = this.entries.get(seq);
    if (found !== undefined) return found;
    const message = Object.freeze(make());
    this.add(seq, message);
    return message;
  }

  /** Caches `message` under `seq`, dropping the oldest entries past the budget. */
  add(seq: number, message: ChatMessage): void {
    if (this.entries.has(seq)) return;
    this.entries.set(seq, message);
    this.held += messageBytes(message);
    for (const [oldest, dropped] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= messageBytes(dropped);
    }
  }
}
