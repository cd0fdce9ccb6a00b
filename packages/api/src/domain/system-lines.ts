/**
 * The "alice joined" and "alice left" lines of a room. Someone who joins and leaves over and over
 * would otherwise fill the room's history with them, pushing out what people said, so a line is
 * left out when the same line for the same name was written in that room within a minute. The
 * member list (presence) still shows every change at once; and when the changes a name went
 * through in that minute leave it in another state than its last line says, that state's line is
 * written once the minute is over, so the conversation never ends on a wrong "left" or "joined".
 */
import type { RoomId } from "../schema.js";
import type { ChatBroker } from "./broker.js";
import type { Clock } from "./clock.js";

/** Whether a line says a name arrived in a room or left it. */
export type PresenceChange = "joined" | "left";

/** What was written for one name in one room, and where it stands now. */
interface NameLines {
  roomId: RoomId;
  username: string;
  /** The state the last line written says. */
  shown: PresenceChange;
  /** The state the name is in now, as the last change said. */
  latest: PresenceChange;
  /** When each line was last written. */
  writtenAt: Record<PresenceChange, number>;
}

/** Settings of `SystemLines`. */
export interface SystemLinesOptions {
  broker: ChatBroker;
  clock: Clock;
  /** Told of a line written later (once its minute is over) that could not be stored. */
  onBackgroundError: (error: unknown) => void;
  /** How long a line keeps the same line for the same name out. @default 60000 */
  windowMs?: number;
}

/** Writes join and leave lines, at most one of each per name, room and window. One per server. */
export class SystemLines {
  private readonly lines = new Map<string, NameLines>();
  private readonly windowMs: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SystemLinesOptions) {
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** Writes "<username> <change>" in the room, unless the same line was written there within the window. */
  async announce(roomId: RoomId, username: string, change: PresenceChange): Promise<void> {
    const key = JSON.stringify([roomId, username]);
    const now = this.options.clock.now();
    const known = this.lines.get(key);
    if (known !== undefined) {
      known.latest = change;
      if (now - known.writtenAt[change] < this.windowMs) return;
    }
    const entry = known ?? { roomId, username, shown: change, latest: change, writtenAt: { joined: -Infinity, left: -Infinity } };
    const before = { shown: entry.shown, writtenAt: entry.writtenAt[change] };
    entry.shown = change;
    entry.writtenAt[change] = now;
    this.lines.set(key, entry);
    this.sweepLater();
    try {
      await this.write(entry, change);
    } catch (error) {
      // Not written: the next change of this name may write it.
      entry.shown = before.shown;
      entry.writtenAt[change] = before.writtenAt;
      throw error;
    }
  }

  /** Stops the sweep; lines still owed are not written. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.lines.clear();
  }

  /**
   * Writes the lines owed once their window is over (the name ended in another state than its
   * last line says), and forgets names whose windows are all over.
   */
  sweep(): void {
    const now = this.options.clock.now();
    for (const [key, entry] of this.lines) {
      const { latest } = entry;
      if (latest !== entry.shown && now - entry.writtenAt[latest] >= this.windowMs) {
        entry.shown = latest;
        entry.writtenAt[latest] = now;
        this.write(entry, latest).catch((error: unknown) => this.options.onBackgroundError(error));
      } else if (latest === entry.shown && now - Math.max(entry.writtenAt.joined, entry.writtenAt.left) >= this.windowMs) {
        this.lines.delete(key);
      }
    }
    if (this.lines.size === 0) this.close();
  }

  private write(entry: NameLines, change: PresenceChange): Promise<unknown> {
    return this.options.broker.publish(entry.roomId, { kind: "system", username: entry.username, text: `${entry.username} ${change}` });
  }

  /** A sweep a few times per window while names are tracked; none while nothing is. */
  private sweepLater(): void {
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, this.windowMs / 6)).unref();
  }
}
