/**
 * The outbox's view on the store: a room's pending lines in `RoomState.pending`, and the server's
 * copy shown in a line's place within the same update, so the log never flickers or doubles.
 */
import type { ChatMessage } from "@chat/client";
import { batch } from "solid-js";
import { produce, type SetStoreFunction } from "solid-js/store";
import type { ChatState } from "./chat-state";
import type { OutboxView, PendingMessage } from "./outbox";

/** An `OutboxView` writing through `setState`; `show` adds a stored message to the room's log (each id once). */
export function createPendingView(
  setState: SetStoreFunction<ChatState>,
  show: (roomId: string, message: ChatMessage) => void,
): OutboxView {
  return {
    put(roomId, line) {
      const update = produce((lines: PendingMessage[]) => {
        const shown = lines.find((candidate) => candidate.clientMessageId === line.clientMessageId);
        // Updated in place, so the line keeps its DOM and only its status changes.
        if (shown === undefined) lines.push(line);
        else Object.assign(shown, line);
      });
      setState("rooms", (room) => room.id === roomId, "pending", update);
    },
    remove(roomId, clientMessageId, stored) {
      const kept = (lines: PendingMessage[]): PendingMessage[] => lines.filter((line) => line.clientMessageId !== clientMessageId);
      batch(() => {
        setState("rooms", (room) => room.id === roomId, "pending", kept);
        if (stored !== null) show(roomId, stored);
      });
    },
  };
}
