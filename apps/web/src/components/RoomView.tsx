import { type JSX, Show } from "solid-js";
import { useChat } from "../stores/chat-context";
import type { RoomState } from "../stores/chat-store";
import { MemberList } from "./MemberList";
import { MessageComposer } from "./MessageComposer";
import { type ConversationControls, MessageList } from "./MessageList";
import { MessageSearch } from "./MessageSearch";
import { PrivateMarker } from "./PrivateMarker";
import { RoomInvites } from "./RoomInvites";

/**
 * One open room: its title, search and Leave button (and, for a private room, a marker and its
 * invites), the conversation, the members and the message box.
 */
export function RoomView(props: { room: RoomState }): JSX.Element {
  const chat = useChat();
  let conversation: ConversationControls | undefined;

  const leave = (): void => {
    void chat.leave(props.room.id);
    // The Leave button is about to disappear with this view; with no room left, focus the join
    // form so keyboard users are not dropped at the top of the page.
    if (chat.state.rooms.length === 0) document.getElementById("join-room")?.focus();
  };

  return (
    <section class="room" aria-labelledby="room-title">
      <header class="room-header">
        <h2 id="room-title" class="room-title">
          <span class="room-hash" aria-hidden="true">
            #
          </span>
          {props.room.id}
        </h2>
        <Show when={props.room.private}>
          <PrivateMarker />
        </Show>
        <p class="room-identity muted">
          as <bdi>{props.room.username}</bdi>
        </p>
        <MessageSearch roomId={props.room.id} onChoose={(messageId) => conversation?.show(messageId) ?? Promise.resolve(false)} />
        <button type="button" class="button button--quiet" onClick={leave}>
          Leave
        </button>
        <Show when={props.room.private}>
          <RoomInvites roomId={props.room.id} />
        </Show>
      </header>
      <div class="room-body">
        <MessageList room={props.room} controls={(controls) => (conversation = controls)} />
        <MemberList members={props.room.members} ownName={props.room.username} />
      </div>
      <MessageComposer room={props.room} />
    </section>
  );
}
