import { createEffect, createMemo, createSignal, For, type JSX, on, onCleanup, onMount, Show } from "solid-js";
import { groupMessages } from "../lib/group-messages";
import { createNow } from "../lib/now";
import type { RoomState } from "../stores/chat-store";
import { MessageGroupView } from "./MessageGroupView";
import { PendingMessageView } from "./PendingMessageView";

/** How close to the bottom, in pixels, still counts as reading the newest messages. */
const PINNED_SLACK_PX = 48;

/**
 * The room's conversation as a live log, the user's unconfirmed messages last. It follows new
 * messages while the reader is at the bottom, and leaves the scroll position alone (offering a
 * jump) once they scroll up.
 */
export function MessageList(props: { room: RoomState }): JSX.Element {
  let log: HTMLDivElement | undefined;
  const now = createNow();
  const [pinned, setPinned] = createSignal(true);
  const [missed, setMissed] = createSignal(false);

  const groups = createMemo(() => groupMessages(props.room.messages));
  // Groups are rebuilt on every message, but their keys (first message ids) are stable, so
  // `<For>` over keys keeps existing DOM and the log only announces what was added.
  const keys = createMemo(() => groups().map((group) => group.key));
  const byKey = createMemo(() => new Map(groups().map((group) => [group.key, group])));
  const quiet = createMemo(() => props.room.pending.length === 0 && !props.room.messages.some((message) => message.kind === "user"));

  const scrollToEnd = (): void => {
    if (log === undefined) return;
    log.scrollTop = log.scrollHeight;
    setPinned(true);
    setMissed(false);
  };
  const onScroll = (): void => {
    if (log === undefined) return;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight <= PINNED_SLACK_PX;
    setPinned(atEnd);
    if (atEnd) setMissed(false);
  };

  createEffect(
    on(
      // A stored copy replacing a pending line changes neither sum nor height: no jump.
      () => props.room.messages.length + props.room.pending.length,
      () => {
        if (pinned()) scrollToEnd();
        else setMissed(true);
      },
      { defer: true },
    ),
  );

  onMount(() => {
    scrollToEnd();
    // A resized log (the window, or a phone's keyboard opening) keeps a pinned reader at the end.
    if (log === undefined || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (pinned()) scrollToEnd();
    });
    observer.observe(log);
    onCleanup(() => observer.disconnect());
  });

  return (
    <div class="message-pane">
      <div
        ref={(element) => (log = element)}
        class="message-log"
        role="log"
        aria-live="polite"
        // Text changes ("1 min ago") must not be re-read; only new lines are news.
        aria-relevant="additions"
        aria-label={`Messages in ${props.room.id}`}
        // Focusable so keyboard users can scroll it.
        tabindex="0"
        onScroll={onScroll}
      >
        <Show when={quiet()}>
          <div class="empty-state">
            <p class="empty-title">This is the start of #{props.room.id}</p>
            <p>Everyone in the room sees what is said here. Say hello!</p>
          </div>
        </Show>
        <For each={keys()}>
          {(key) => (
            <Show when={byKey().get(key)}>
              {(group) => <MessageGroupView group={group()} ownName={props.room.username} now={now()} />}
            </Show>
          )}
        </For>
        <For each={props.room.pending}>{(line) => <PendingMessageView line={line} ownName={props.room.username} />}</For>
      </div>
      <Show when={missed()}>
        <button type="button" class="jump-button" onClick={scrollToEnd}>
          New messages <span aria-hidden="true">↓</span>
        </button>
      </Show>
    </div>
  );
}
