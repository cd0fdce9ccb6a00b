/**
 * The chat state both reference servers keep, so that they do the same work as ours beside the
 * transport: members by name, a bounded history per room, an id and a time on every message.
 * Deliberately plain (maps and arrays), as a hand-written server would be.
 */

/** History kept per room, as ours keeps by default (`HISTORY_SIZE`). */
const HISTORY_SIZE = 1000;
/** Messages a join returns, as ours does (`JOIN_HISTORY_LIMIT`). */
const JOIN_HISTORY = 50;

/** A stored message, the shape ours sends (with `sentAt` as an ISO string, as JSON has no dates). */
export interface StoredMessage {
  id: string;
  roomId: string;
  kind: "user";
  username: string;
  text: string;
  sentAt: string;
}

/** What a join answers. */
export interface JoinAnswer {
  roomId: string;
  username: string;
  history: StoredMessage[];
  members: string[];
}

interface Room {
  /** Connections holding each name: a name leaves when its last connection does. */
  members: Map<string, number>;
  history: StoredMessage[];
}

/** Every room of one reference server. */
export class ChatRooms {
  private readonly rooms = new Map<string, Room>();
  private nextId = 0;

  /** Adds a holder of `username`; returns the answer and whether the name is new to the room (then announce it). */
  join(roomId: string, username: string): { answer: JoinAnswer; arrived: boolean } {
    const room = this.room(roomId);
    const holders = room.members.get(username) ?? 0;
    room.members.set(username, holders + 1);
    const answer = { roomId, username, history: room.history.slice(-JOIN_HISTORY), members: [...room.members.keys()] };
    return { answer, arrived: holders === 0 };
  }

  /** Drops a holder of `username`; returns whether the name left the room (then announce it). */
  leave(roomId: string, username: string): boolean {
    const room = this.rooms.get(roomId);
    const holders = room?.members.get(username);
    if (!room || holders === undefined) return false;
    if (holders > 1) {
      room.members.set(username, holders - 1);
      return false;
    }
    room.members.delete(username);
    return true;
  }

  /** Stores a message and returns it, ready to broadcast. */
  publish(roomId: string, username: string, text: string): StoredMessage {
    const room = this.room(roomId);
    const message: StoredMessage = { id: String(++this.nextId), roomId, kind: "user", username, text, sentAt: new Date().toISOString() };
    room.history.push(message);
    // Trimmed in chunks, so the array is not shifted on every message.
    if (room.history.length > HISTORY_SIZE * 1.5) room.history.splice(0, room.history.length - HISTORY_SIZE);
    return message;
  }

  private room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { members: new Map(), history: [] };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}

/** Exits when the bench that started this server goes away, even if it was killed without cleaning up. */
export function exitWithParent(): void {
  if (process.send) process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

/** The port to listen on: `PORT`, or a free one. */
export function portFromEnv(): number {
  const port = Number(process.env.PORT ?? 0);
  return Number.isInteger(port) && port >= 0 ? port : 0;
}
