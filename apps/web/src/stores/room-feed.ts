/**
 * A joined room's two streams from the server: its messages, and its presence (who is there,
 * who is typing).
 */
import { applyPresence } from "../lib/presence";
import { errorMessage } from "../lib/error-message";
import type { Connection } from "../connection";
import type { JoinedRooms } from "./joined-rooms";
import type { Receive } from "./receive";

/** What a room's feed needs: the two subscriptions, the rooms it updates, and where messages go. */
export interface RoomFeedDeps {
  trpc: Pick<Connection["trpc"], "onMessage" | "onPresence">;
  rooms: JoinedRooms;
  receive: Receive;
}

/** Subscribes to a joined room's messages after `lastEventId`, and to its presence; returns what ends both. */
export type SubscribeRoom = (roomId: string, lastEventId: string | null) => () => void;

/** The store's `SubscribeRoom`; a stream's failure shows as the room's error. */
export function roomFeed({ trpc, rooms, receive }: RoomFeedDeps): SubscribeRoom {
  return (roomId, lastEventId) => {
    const reportError = (error: unknown): void => rooms.patch(roomId, { error: errorMessage(error) });
    // `lastEventId` makes the server send only what came after the history; the client's
    // wsLink then keeps it current across reconnects, so nothing is missed or doubled.
    const messages = trpc.onMessage.subscribe(
      { roomId, lastEventId },
      { onData: (event) => receive(roomId, [event.data]), onError: reportError },
    );
    const presence = trpc.onPresence.subscribe(
      { roomId },
      {
        onData: (event) => {
          const entry = rooms.live.get(roomId);
          const room = rooms.find(roomId);
          if (entry === undefined || room === undefined) return;
          if (event.type === "typing") {
            if (event.username !== room.username) entry.typing.saw(event.username);
            return;
          }
          if (event.type === "leave") entry.typing.stopped(event.username);
          rooms.patch(roomId, { members: applyPresence(room.members, event) });
        },
        onError: reportError,
      },
    );
    return () => {
      messages.unsubscribe();
      presence.unsubscribe();
    };
  };
}
