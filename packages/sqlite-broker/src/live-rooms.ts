/**
 * The live half of the SQLite broker: an `EventEmitter` per room that readers follow, so that a
 * message reaches every reader from memory, once it is committed, and SQLite is never on the
 * per-reader path. A room is forgotten when its last reader goes.
 */
import { EventEmitter } from "node:events";
import { EventQueue } from "@chat/api";
import type { ChatEvent, RoomId } from "@chat/api/schema";

/** The rooms someone is reading on this process, and their readers. */
export class LiveRooms {
  private readonly rooms = new Map<RoomId, EventEmitter>();
  private readonly streams = new Set<EventQueue<ChatEvent>>();

  /** A stream of the room's events (messages and changes) from now on, until the reader or `close()` ends it or `signal` aborts. */
  follow(roomId: RoomId, signal: AbortSignal): EventQueue<ChatEvent> {
    let room = this.rooms.get(roomId);
    if (room === undefined) {
      room = new EventEmitter();
      // One listener per reader is expected: a busy room has thousands.
      room.setMaxListeners(0);
      this.rooms.set(roomId, room);
    }
    const events = room;
    const queue: EventQueue<ChatEvent> = new EventQueue<ChatEvent>(() => {
      events.off("message", queue.push);
      this.streams.delete(queue);
      if (events.listenerCount("message") === 0) this.rooms.delete(roomId);
    });
    events.on("message", queue.push);
    this.streams.add(queue);
    return queue.closeOn(signal);
  }

  /** Hands `event` to every reader of its room. */
  emit(event: ChatEvent): void {
    this.rooms.get(event.roomId)?.emit("message", event);
  }

  /** The rooms with readers. */
  roomIds(): IterableIterator<RoomId> {
    return this.rooms.keys();
  }

  /** Open streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Ends every stream. */
  close(): void {
    for (const stream of this.streams) stream.close();
  }
}
