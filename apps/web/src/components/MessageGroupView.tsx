import { For, type JSX, Show } from "solid-js";
import { avatarFor } from "../lib/avatar";
import type { MessageGroup } from "../lib/group-messages";
import { MessageView } from "./MessageView";
import { RelativeTime } from "./RelativeTime";
import { SystemText } from "./SystemText";

/** What a group is shown with. */
export interface MessageGroupViewProps {
  group: MessageGroup;
  roomId: string;
  ownName: string;
  /** The user's message being edited in place, if any. */
  editingId: string | null;
  /** The log's current message, whose controls are in the Tab order. */
  currentId: string | null;
  /** Makes a message the current one. */
  onCurrent: (messageId: string) => void;
  /** Moves from a message's actions to those of the previous (-1) or next (1) message. */
  onMove: (messageId: string, direction: -1 | 1) => void;
  /** Shows the message a reply quotes. */
  onShowQuote: (messageId: string) => void;
  now: number;
  /** The message last shown from a search or a quote: it can take focus. */
  focusId: string | null;
  /** The message to highlight for a moment, as it was just shown from a search. */
  flashId: string | null;
}

/**
 * One author's run of messages under a single avatar, name and time, or one muted system or gap line.
 * Texts are interpolated, so Solid sets them as text nodes: markup in a message stays text. Each
 * text and name is a bidi isolate (`dir="auto"`, `<bdi>`), so none can reorder what is around it.
 * Every line carries its message's id (`MESSAGE_ID_ATTRIBUTE`), by which the log keeps its place.
 */
export function MessageGroupView(props: MessageGroupViewProps): JSX.Element {
  const own = (): boolean => props.group.kind === "user" && props.group.username === props.ownName;
  const avatar = (): ReturnType<typeof avatarFor> => avatarFor(props.group.username);
  return (
    <Show
      when={props.group.kind === "user"}
      fallback={
        <For each={props.group.messages}>
          {(message) => (
            // A gap notice is a note, not chatter: its role tells assistive technology as much as the look does.
            <p
              class={message.kind === "gap" ? "system-line gap-line" : "system-line"}
              role={message.kind === "gap" ? "note" : undefined}
              data-message-id={message.id}
            >
              <SystemText message={message} /> <RelativeTime date={message.sentAt} now={props.now} />
            </p>
          )}
        </For>
      }
    >
      {/* The hue is set through the CSSOM (Solid's style object), which the CSP allows; a style attribute would not be. */}
      <div class="message-group" classList={{ "message-group--own": own() }} style={{ "--hue": String(avatar().hue) }}>
        <span class="avatar" aria-hidden="true">
          {avatar().initial}
        </span>
        <div class="message-body">
          <p class="message-meta">
            <bdi class="message-author">{props.group.username}</bdi>
            <Show when={own()}>
              <span class="own-tag">you</span>
            </Show>
            <RelativeTime date={props.group.sentAt} now={props.now} />
          </p>
          <For each={props.group.messages}>
            {(message, index) => (
              <MessageView
                message={message}
                continued={index() > 0}
                roomId={props.roomId}
                ownName={props.ownName}
                editing={message.id === props.editingId}
                current={message.id === props.currentId}
                onFocus={() => props.onCurrent(message.id)}
                onMove={(direction) => props.onMove(message.id, direction)}
                focusable={message.id === props.focusId}
                flash={message.id === props.flashId}
                onShowQuote={props.onShowQuote}
              />
            )}
          </For>
        </div>
      </div>
    </Show>
  );
}
