import { For, type JSX, Show } from "solid-js";
import { avatarFor } from "../lib/avatar";
import type { MessageGroup } from "../lib/group-messages";
import { formatExactTime } from "../lib/relative-time";
import { MessageText } from "./MessageText";
import { RelativeTime } from "./RelativeTime";
import { SystemText } from "./SystemText";

/** What a group is shown with. */
export interface MessageGroupViewProps {
  group: MessageGroup;
  ownName: string;
  now: number;
  /** The message last shown from a search: it can take focus. */
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
              // `dir="auto"` takes the direction from the text itself: the name and markers inside are
              // isolates of their own, which the guess skips. Each message is an article of its own,
              // so assistive technology can count and step through them.
              <article
                class="message-text"
                classList={{ "message-text--found": message.id === props.flashId }}
                dir="auto"
                title={formatExactTime(message.sentAt)}
                // Focusable only once shown from a search, so the reader lands on it.
                tabindex={message.id === props.focusId ? -1 : undefined}
                data-message-id={message.id}
              >
                {/* A screen reader announces each added line alone; this says who wrote it. */}
                <Show when={index() > 0}>
                  <span class="visually-hidden">
                    <bdi>{props.group.username}</bdi>:{" "}
                  </span>
                </Show>
                <MessageText text={message.text} />
              </article>
            )}
          </For>
        </div>
      </div>
    </Show>
  );
}
