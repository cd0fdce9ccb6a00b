import { createEffect, on, onCleanup } from "solid-js";
import { formatHash, parseHash } from "../lib/hash-route";
import type { ChatStore } from "./chat-store";

/**
 * Keeps the shown room and the address (`#/room/<id>`) in step, both ways: opening or editing
 * the address joins or shows the room, and showing a room updates the address so it can be
 * bookmarked and the Back button walks through rooms. Call inside a component.
 */
export function syncRoomWithAddress(store: ChatStore): void {
  const follow = (): void => {
    const route = parseHash(location.hash);
    if (route !== null) store.open(route.roomId);
  };
  follow();
  window.addEventListener("hashchange", follow);
  onCleanup(() => window.removeEventListener("hashchange", follow));

  createEffect(
    on(
      () => store.state.activeRoomId,
      (roomId) => {
        const hash = formatHash(roomId);
        if (location.hash === hash) return;
        // Assigning the hash adds a history entry and fires `hashchange`, which then finds
        // the room already shown. With no room left, drop the hash without a `#` residue.
        if (roomId !== null) location.hash = hash;
        else history.replaceState(history.state, "", location.pathname + location.search);
      },
      // On load the address leads; only later changes of the shown room are written back.
      { defer: true },
    ),
  );
}
