/**
 * The live half of the SQLite broker: an `EventEmitter` per room that readers follow, so that a
 * message reaches every reader from memory, once it is committed, and SQLite is never on the
 * per-reader path. A room is forgotten when its last reader goes.
 */
import { EventEmitter } from "node:events";
import { EventQueue } from "@chat/api";
import type { ChatMessage, RoomId } from "@chat/api/schema";

/** The rooms someone is reading on this process, and their readers. */
export class LiveRooms {
  private readonly rooms = new Map<RoomId, EventEmitter>();
  private readonly streams = new Set<EventQueue<ChatMessage>>();

  /** A stream of the room's messages from now on, until the reader or `close()` ends it or `signal` aborts. */
  follow(roomId: RoomId, signal: AbortSignal): EventQueue<ChatMessage> {
    let room = this.rooms.get(roomId);
    if (room === undefined) {
      room = new EventEmitter();
      // One listener per reader is expected: a busy room has thousands.
      room.setMaxListeners(0);
      this.rooms.set(roomId, room);
    }
    const events = room;
    const queue: EventQueue<ChatMessage> = new EventQueue<ChatMessage>(() => {
      events.off("message", queue.push);
      this.streams.delete(queue);
      if (events.listenerCount("message") === 0) this.rooms.delete(roomId);
    });
    events.on("message", queue.push);
    this.streams.add(queue);
    return queue.closeOn(signal);
  }

  /** Hands `message` to every reader of its room. */
  emit(message: ChatMessage): void {
    this.rooms.get(message.roomId)?.emit("message", message);
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
