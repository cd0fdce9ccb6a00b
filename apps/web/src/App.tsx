import { createEffect, type JSX, onCleanup, Show } from "solid-js";
import { ConnectionStatus } from "./components/ConnectionStatus";
import { JoinForm } from "./components/JoinForm";
import { MentionToggle } from "./components/MentionToggle";
import { RoomList } from "./components/RoomList";
import { RoomView } from "./components/RoomView";
import { Welcome } from "./components/Welcome";
import { syncRoomWithAddress } from "./stores/address-sync";
import { useChat } from "./stores/chat-context";

/** The page: header with the connection status, the rooms sidebar, and the open room. */
export function App(): JSX.Element {
  const chat = useChat();
  syncRoomWithAddress(chat);

  // Unread messages in the tab title, so a background tab shows that something happened, and
  // before them the mentions of the user that came while it was hidden.
  createEffect(() => {
    const unread = chat.state.rooms.reduce((sum, room) => sum + room.unread, 0);
    const mentions = chat.state.unreadMentions;
    const title = unread > 0 ? `(${unread}) Chat` : "Chat";
    document.title = mentions > 0 ? `${mentions} ${mentions === 1 ? "mention" : "mentions"} · ${title}` : title;
  });

  // Seen again: the mentions are read.
  const seen = (): void => {
    if (document.visibilityState === "visible") chat.clearMentions();
  };
  document.addEventListener("visibilitychange", seen);
  onCleanup(() => document.removeEventListener("visibilitychange", seen));

  return (
    <div class="app">
      <header class="app-header">
        <h1 class="app-title">Chat</h1>
        <div class="app-header-end">
          <MentionToggle />
          <ConnectionStatus />
        </div>
      </header>
      <aside class="sidebar" aria-label="Rooms and joining">
        <RoomList />
        <JoinForm />
      </aside>
      <main class="main">
        <Show when={chat.activeRoom()} keyed fallback={<Welcome />}>
          {(room) => <RoomView room={room} />}
        </Show>
      </main>
    </div>
  );
}
