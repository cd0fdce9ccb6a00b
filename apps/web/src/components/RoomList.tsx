import { For, type JSX, Show } from "solid-js";
import { roomButtonLabel } from "../lib/unread";
import { useChat } from "../stores/chat-context";

/** The joined rooms as buttons with unread counts; activating one shows it. */
export function RoomList(): JSX.Element {
  const chat = useChat();
  return (
    <nav class="room-nav" aria-labelledby="rooms-heading">
      <h2 id="rooms-heading" class="section-heading">
        Rooms
      </h2>
      <Show when={chat.state.rooms.length > 0} fallback={<p class="muted room-list-empty">No rooms yet.</p>}>
        <ul class="room-list">
          <For each={chat.state.rooms}>
            {(room) => (
              <li>
                <button
                  type="button"
                  class="room-button"
                  aria-current={chat.state.activeRoomId === room.id ? "true" : undefined}
                  aria-label={roomButtonLabel(room.id, room.unread)}
                  onClick={() => chat.show(room.id)}
                >
                  <span class="room-hash" aria-hidden="true">
                    #
                  </span>
                  <span class="room-name">{room.id}</span>
                  <Show when={room.unread > 0}>
                    <span class="unread-badge" aria-hidden="true">
                      {room.unread > 99 ? "99+" : room.unread}
                    </span>
                  </Show>
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </nav>
  );
}
