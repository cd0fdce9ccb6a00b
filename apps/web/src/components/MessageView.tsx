import { REPLY_QUOTE_MAX } from "@chat/api/schema";
import type { ChatMessage } from "@chat/client";
import { createEffect, createSignal, type JSX, onCleanup, Show } from "solid-js";
import { Portal } from "solid-js/web";
import { formatExactTime } from "../lib/relative-time";
import { moveFocus } from "../lib/roving-focus";
import { mentionsOf } from "../lib/unread";
import { useChat } from "../stores/chat-context";
import { DeleteDialog } from "./DeleteDialog";
import { EditMessage } from "./EditMessage";
import { Icon } from "./Icon";
import { MessageText } from "./MessageText";
import { ReactionPicker } from "./ReactionPicker";
import { Reactions } from "./Reactions";

/** How long a touch must rest on a message to open its actions. */
const LONG_PRESS_MS = 500;

/** What one message of a group is shown with. */
export interface MessageViewProps {
  message: ChatMessage;
  /** Whether it is not its group's first: a screen reader then hears whose it is. */
  continued: boolean;
  roomId: string;
  ownName: string;
  /** Whether it is being edited in place. */
  editing: boolean;
  /**
   * Whether it is the log's current message: the one whose controls are in the Tab order. The
   * log is one Tab stop however long it is; Up and Down in the actions move between messages.
   */
  current: boolean;
  /** Makes it the current message, as it took focus. */
  onFocus: () => void;
  /** Moves to the previous (-1) or next (1) message's actions. */
  onMove: (direction: -1 | 1) => void;
  focusable: boolean;
  flash: boolean;
  /** Shows the message a reply quotes (scrolling back to it if needed). */
  onShowQuote: (messageId: string) => void;
}

/** Focuses the room's message box, where keyboard users go on after an edit or a deletion. */
function focusComposer(roomId: string): void {
  document.getElementById(`message-${roomId}`)?.focus();
}

/**
 * One person's message: the message it replies to (a button that shows it), its text with
 * mentions set apart, "(edited)", or a muted "Message deleted"; its reactions; and its actions
 * (React, Reply, and on one's own Edit and Delete), shown on hover, on focus and on a long
 * press: a `role="toolbar"`, Left and Right within it, Up and Down to the messages around.
 */
export function MessageView(props: MessageViewProps): JSX.Element {
  const chat = useChat();
  let toolbar: HTMLDivElement | undefined;
  let reactButton: HTMLButtonElement | undefined;
  let pressTimer: ReturnType<typeof setTimeout> | undefined;
  let pressedLong = false;
  const [picking, setPicking] = createSignal(false);
  const [confirming, setConfirming] = createSignal(false);
  onCleanup(() => clearTimeout(pressTimer));

  // Only the current message's actions are in the Tab order, entered at React; arrow keys move
  // within them (`moveFocus` then hands the Tab stop on), so each change of message resets it.
  createEffect(() => {
    const current = props.current;
    if (props.editing || !actionable()) return;
    toolbar?.querySelectorAll<HTMLElement>(":scope > button").forEach((button, index) => {
      button.tabIndex = current && index === 0 ? 0 : -1;
    });
  });
  const tabStop = (): number => (props.current ? 0 : -1);

  const own = (): boolean => props.message.username === props.ownName;
  const actionable = (): boolean => props.message.kind === "user" && !props.message.deleted;
  const mentioned = (): boolean => mentionsOf(props.message, props.ownName);

  const reply = (): void => {
    const text = Array.from(props.message.text).slice(0, REPLY_QUOTE_MAX).join("");
    chat.setReply(props.roomId, { id: props.message.id, username: props.message.username, text });
    focusComposer(props.roomId);
  };
  const react = (emoji: string, on: boolean): void => void chat.react(props.roomId, props.message.id, emoji, on);
  const pick = (emoji: string): void => {
    const mine = props.message.reactions.some((reaction) => reaction.emoji === emoji && reaction.usernames.includes(props.ownName));
    setPicking(false);
    reactButton?.focus();
    react(emoji, !mine);
  };
  const save = (text: string): void => {
    chat.setEditing(props.roomId, null);
    focusComposer(props.roomId);
    void chat.edit(props.roomId, props.message.id, text);
  };
  const cancelEdit = (): void => {
    chat.setEditing(props.roomId, null);
    focusComposer(props.roomId);
  };
  const remove = (): void => {
    setConfirming(false);
    focusComposer(props.roomId);
    void chat.remove(props.roomId, props.message.id);
  };

  // A long press on a touch screen opens the actions, as hover does for a mouse.
  const startPress = (event: PointerEvent): void => {
    pressedLong = false;
    if (event.pointerType !== "touch" || !actionable()) return;
    clearTimeout(pressTimer);
    pressTimer = setTimeout(() => {
      pressedLong = true;
      toolbar?.querySelector<HTMLButtonElement>("button[tabindex='0']")?.focus();
    }, LONG_PRESS_MS);
  };
  const endPress = (): void => clearTimeout(pressTimer);

  return (
    // `dir="auto"` takes the direction from the text itself: the name and markers inside are
    // isolates of their own, which the guess skips. Each message is an article of its own, so
    // assistive technology can count and step through them.
    <article
      class="message-text"
      classList={{
        "message-text--found": props.flash,
        "message-text--mention": mentioned(),
        "message-text--deleted": props.message.deleted,
        "message-text--open": picking(),
      }}
      dir="auto"
      title={formatExactTime(props.message.sentAt)}
      // Focusable only once shown from a search or a quote, so the reader lands on it.
      tabindex={props.focusable ? -1 : undefined}
      data-message-id={props.message.id}
      onPointerDown={startPress}
      onPointerUp={endPress}
      onPointerCancel={endPress}
      onPointerLeave={endPress}
      onContextMenu={(event) => {
        if (pressedLong) event.preventDefault();
      }}
      onFocusIn={() => props.onFocus()}
    >
      {/* A screen reader announces each added line alone; this says who wrote it. */}
      <Show when={props.continued}>
        <span class="visually-hidden">
          <bdi>{props.message.username}</bdi>:{" "}
        </span>
      </Show>
      <Show when={props.message.replyTo}>
        {(quote) => (
          <button type="button" class="reply-quote" tabindex={tabStop()} onClick={() => props.onShowQuote(quote().id)}>
            <span class="visually-hidden">In reply to </span>
            <bdi class="reply-quote-author">{quote().username}</bdi>
            {": "}
            <Show when={quote().text !== ""} fallback={<span class="reply-quote-text reply-quote-text--deleted">Message deleted</span>}>
              <span class="reply-quote-text" dir="auto">
                <MessageText text={quote().text} />
              </span>
            </Show>
          </button>
        )}
      </Show>
      <Show
        when={!props.message.deleted}
        fallback={<span class="deleted-note">Message deleted</span>}
      >
        <Show
          when={props.editing && own()}
          fallback={
            <>
              <MessageText text={props.message.text} mentions={props.message.mentions} ownName={props.ownName} />
              <Show when={props.message.editedAt}>
                {(editedAt) => (
                  <>
                    {" "}
                    <span class="edited-note" title={`Edited ${formatExactTime(editedAt())}`}>
                      (edited)
                    </span>
                  </>
                )}
              </Show>
            </>
          }
        >
          <EditMessage id={props.message.id} text={props.message.text} onSave={save} onCancel={cancelEdit} />
        </Show>
      </Show>
      <Show when={actionable()}>
        <Reactions reactions={props.message.reactions} ownName={props.ownName} tabIndex={tabStop()} onToggle={react} />
        <Show when={!props.editing}>
          <div
            ref={(element) => (toolbar = element)}
            class="message-actions"
            role="toolbar"
            aria-label={`Message actions for ${props.message.username}`}
            aria-live="off"
            onKeyDown={(event) => {
              if (toolbar === undefined || !(event.target instanceof HTMLElement) || event.target.parentElement !== toolbar) return;
              if (event.key === "ArrowUp" || event.key === "ArrowDown") {
                event.preventDefault();
                props.onMove(event.key === "ArrowUp" ? -1 : 1);
              } else {
                moveFocus(toolbar, event, ":scope > button");
              }
            }}
          >
            <button
              ref={(element) => (reactButton = element)}
              type="button"
              class="action-button"
              tabindex={tabStop()}
              aria-label="React"
              title="React"
              aria-haspopup="menu"
              aria-expanded={picking()}
              onClick={() => setPicking((open) => !open)}
            >
              <Icon name="react" />
            </button>
            <button type="button" class="action-button" tabindex="-1" aria-label="Reply" title="Reply" onClick={reply}>
              <Icon name="reply" />
            </button>
            <Show when={own()}>
              <button
                type="button"
                class="action-button"
                tabindex="-1"
                aria-label="Edit"
                title="Edit"
                onClick={() => chat.setEditing(props.roomId, props.message.id)}
              >
                <Icon name="edit" />
              </button>
              <button type="button" class="action-button" tabindex="-1" aria-label="Delete" title="Delete" onClick={() => setConfirming(true)}>
                <Icon name="delete" />
              </button>
            </Show>
            <Show when={picking()}>
              <ReactionPicker
                onPick={pick}
                onClose={(returnFocus) => {
                  setPicking(false);
                  if (returnFocus) reactButton?.focus();
                }}
              />
            </Show>
          </div>
        </Show>
      </Show>
      <Show when={confirming()}>
        {/* In the body, not the log: a dialog is not a line of the conversation. */}
        <Portal>
          <DeleteDialog text={props.message.text} onConfirm={remove} onClose={() => setConfirming(false)} />
        </Portal>
      </Show>
    </article>
  );
}
