import { createEffect, on, onCleanup } from "solid-js";
import { formatHash, parseHash } from "../lib/hash-route";
import type { ChatStore } from "./chat-store";

/** Puts `hash` in the address without a history entry: Back must not lead to an invite again. */
function replaceHash(hash: string): void {
  history.replaceState(history.state, "", location.pathname + location.search + hash);
}

/**
 * Keeps the shown room and the address (`#/room/<id>`) in step, both ways: opening or editing
 * the address joins or shows the room, and showing a room updates the address so it can be
 * bookmarked and the Back button walks through rooms. An invite in the address
 * (`?invite=<token>`) is used for the join and then dropped from it, so it is neither shared
 * again with the address by accident nor sent again on a reload. Call inside a component.
 */
export function syncRoomWithAddress(store: ChatStore): void {
  const follow = (): void => {
    const route = parseHash(location.hash);
    if (route === null) return;
    const joined = store.state.rooms.some((room) => room.id === route.roomId);
    store.open(route.roomId, route.invite);
    // Already a member: the invite has nothing left to do. Otherwise it goes once the join succeeds.
    if (joined && route.invite !== undefined) replaceHash(formatHash(route.roomId));
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
        // The room the address invited to, now joined: the same place, without the invite.
        if (roomId !== null && parseHash(location.hash)?.roomId === roomId) replaceHash(hash);
        // Assigning the hash adds a history entry and fires `hashchange`, which then finds
        // the room already shown. With no room left, drop the hash without a `#` residue.
        else if (roomId !== null) location.hash = hash;
        else replaceHash("");
      },
      // On load the address leads; only later changes of the shown room are written back.
      { defer: true },
    ),
  );
}
