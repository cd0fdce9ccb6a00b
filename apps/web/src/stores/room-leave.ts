/** Leaving a room: gone from this tab at once, whatever the server answers. */
import { batch } from "solid-js";
import type { Connection } from "../connection";
import type { JoinedRooms } from "./joined-rooms";
import type { Outbox } from "./outbox";

/** What leaving needs from the store. */
export interface RoomLeaveDeps {
  trpc: Pick<Connection["trpc"], "leaveRoom">;
  rooms: JoinedRooms;
  outbox: Pick<Outbox, "dropRoom">;
  /** Shows a joined room (`ChatStore.show`). */
  show(roomId: string): void;
}

/** The store's `leave` (`ChatStore.leave`): a shown room gives way to its neighbour in the list. */
export function roomLeave({ trpc, rooms, outbox, show }: RoomLeaveDeps): (roomId: string) => Promise<void> {
  const { state, setState } = rooms;
  return async (roomId) => {
    const index = state.rooms.findIndex((room) => room.id === roomId);
    if (index === -1) return;
    rooms.live.get(roomId)?.stop();
    rooms.live.delete(roomId);
    outbox.dropRoom(roomId);
    batch(() => {
      const wasShown = state.activeRoomId === roomId;
      setState("rooms", (list) => list.filter((room) => room.id !== roomId));
      if (wasShown) {
        const next = state.rooms[Math.min(index, state.rooms.length - 1)];
        if (next === undefined) setState("activeRoomId", null);
        else show(next.id);
      }
    });
    try {
      await trpc.leaveRoom.mutate({ roomId });
    } catch {
      // Nothing to show: the room is gone from this tab either way, and the server drops the
      // membership when the socket closes.
    }
  };
}
