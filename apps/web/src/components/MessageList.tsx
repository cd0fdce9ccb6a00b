import { createEffect, createMemo, createSignal, For, type JSX, on, onCleanup, onMount, Show } from "solid-js";
import { groupMessages } from "../lib/group-messages";
import { createNow } from "../lib/now";
import { formatExactTime } from "../lib/relative-time";
import { findMessageElement, keepReadingPlace, MESSAGE_SELECTOR } from "../lib/scroll-anchor";
import { useChat } from "../stores/chat-context";
import type { KeepPlace, RoomState } from "../stores/chat-store";
import { MessageGroupView } from "./MessageGroupView";
import { OlderMessages } from "./OlderMessages";
import { PendingMessageView } from "./PendingMessageView";

/** How close to the bottom, in pixels, still counts as reading the newest messages. */
const PINNED_SLACK_PX = 48;

/** How long a message shown from a search stays highlighted. */
const FLASH_MS = 2_500;

/** What the room view may ask of its conversation. */
export interface ConversationControls {
  /**
   * Loads older pages until message `messageId` is shown, scrolls to it, focuses it and
   * highlights it for a moment; `false` if it cannot be shown.
   */
  show(messageId: string): Promise<boolean>;
}

/**
 * The room's conversation as a live log, the user's unconfirmed messages last. It follows new
 * messages while the reader is at the bottom, and leaves the scroll position alone (offering a
 * jump) once they scroll up. Near the top it loads older messages, keeping the reader's place.
 */
export function MessageList(props: { room: RoomState; controls?: (controls: ConversationControls) => void }): JSX.Element {
  const chat = useChat();
  let log: HTMLDivElement | undefined;
  let olderButton: HTMLButtonElement | undefined;
  let flashTimer: ReturnType<typeof setTimeout> | undefined;
  const now = createNow();
  const [pinned, setPinned] = createSignal(true);
  const [missed, setMissed] = createSignal(false);
  // Off while older messages go in: a page of them is history, not news to read out.
  const [live, setLive] = createSignal(true);
  // What loading older messages came to, for screen readers (the log itself stays quiet about it).
  const [announcement, setAnnouncement] = createSignal("");
  const [focusId, setFocusId] = createSignal<string | null>(null);
  const [flashId, setFlashId] = createSignal<string | null>(null);

  const groups = createMemo(() => groupMessages(props.room.messages));
  // Groups are rebuilt on every message, but their keys (first message ids) are stable, so
  // `<For>` over keys keeps existing DOM and the log only announces what was added.
  const keys = createMemo(() => groups().map((group) => group.key));
  const byKey = createMemo(() => new Map(groups().map((group) => [group.key, group])));
  const quiet = createMemo(() => props.room.pending.length === 0 && !props.room.messages.some((message) => message.kind === "user"));
  // What changes when a line is added at the end; older messages added at the top change neither.
  const newest = createMemo(() => props.room.messages.at(-1)?.id);
  const pendingCount = createMemo(() => props.room.pending.length);

  const scrollToEnd = (): void => {
    if (log === undefined) return;
    log.scrollTop = log.scrollHeight;
    setPinned(true);
    setMissed(false);
  };

  const canLoad = (): boolean => {
    const { atStart, loading, error } = props.room.scrollback;
    return !atStart && !loading && error === null;
  };

  const keepPlace: KeepPlace = (change) => {
    if (log === undefined || !log.isConnected) {
      change();
      return;
    }
    setLive(false);
    keepReadingPlace(log, change);
    requestAnimationFrame(() => setLive(true));
    const first = props.room.messages[0];
    const back = first === undefined ? "" : ` back to ${formatExactTime(first.sentAt)}`;
    setAnnouncement(props.room.scrollback.atStart ? `Loaded${back}: this is the start of the conversation.` : `Loaded older messages${back}.`);
  };

  const loadOlder = (): Promise<boolean> => chat.loadOlder(props.room.id, keepPlace);

  const loadByButton = async (): Promise<void> => {
    await loadOlder();
    // At the start the button gives way to a note: keep the keyboard in the conversation rather
    // than dropped at the top of the page.
    if (document.activeElement === document.body) log?.focus({ preventScroll: true });
  };

  // A log shorter than its box cannot be scrolled up, so it loads until it fills the box or starts.
  const fillBox = async (): Promise<void> => {
    while (log !== undefined && log.isConnected && log.scrollHeight <= log.clientHeight && canLoad()) {
      if (!(await loadOlder())) return;
    }
  };

  const onScroll = (): void => {
    if (log === undefined) return;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight <= PINNED_SLACK_PX;
    setPinned(atEnd);
    if (atEnd) setMissed(false);
    // Within a screen of the top, so the next page is usually there before the reader is. Not
    // while the reader is on the Load button: focusing it scrolls, and there they ask with it.
    if (log.scrollTop < log.clientHeight && canLoad() && document.activeElement !== olderButton) void loadOlder();
  };

  const show = async (messageId: string): Promise<boolean> => {
    if (!(await chat.reveal(props.room.id, messageId, keepPlace)) || log === undefined) return false;
    setFocusId(messageId);
    const line = findMessageElement(log.querySelectorAll<HTMLElement>(MESSAGE_SELECTOR), messageId);
    if (line === undefined) return false;
    line.scrollIntoView({ block: "center" });
    line.focus({ preventScroll: true });
    setFlashId(messageId);
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => setFlashId(null), FLASH_MS);
    return true;
  };
  onCleanup(() => clearTimeout(flashTimer));
  props.controls?.({ show });

  // The message whose controls are in the Tab order: the last one focused, else the newest. The
  // log is then one Tab stop however long it is; Up and Down in a message's actions move on.
  const [chosenId, setChosenId] = createSignal<string | null>(null);
  const actionable = createMemo(() =>
    props.room.messages.filter((message) => message.kind === "user" && !message.deleted).map((message) => message.id),
  );
  const currentId = createMemo(() => {
    const ids = actionable();
    const chosen = chosenId();
    return chosen !== null && ids.includes(chosen) ? chosen : (ids.at(-1) ?? null);
  });
  const move = (messageId: string, direction: -1 | 1): void => {
    const ids = actionable();
    const next = ids[ids.indexOf(messageId) + direction];
    if (next === undefined || log === undefined) return;
    setChosenId(next);
    const line = findMessageElement(log.querySelectorAll<HTMLElement>(MESSAGE_SELECTOR), next);
    const button = line?.querySelector<HTMLElement>("[role=toolbar] > button");
    button?.scrollIntoView({ block: "nearest" });
    button?.focus();
  };

  const showQuote = (messageId: string): void => {
    void show(messageId).then((shown) => {
      if (!shown) setAnnouncement("That message is no longer kept, so it cannot be shown.");
    });
  };

  createEffect(
    on([newest, pendingCount], ([, pending], previous) => {
      // The first run only notes where the log ends.
      if (previous === undefined) return;
      if (pinned()) {
        scrollToEnd();
        return;
      }
      // A stored copy taking the place of a pending line is nothing new.
      if (pending >= previous[1]) setMissed(true);
    }),
  );

  createEffect(
    on(
      () => props.room.scrollback.error,
      (error) => {
        if (error !== null) setAnnouncement(`Older messages could not be loaded: ${error}`);
      },
      { defer: true },
    ),
  );

  onMount(() => {
    scrollToEnd();
    void fillBox();
    // A resized log (the window, or a phone's keyboard opening) keeps a pinned reader at the end.
    if (log === undefined || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (pinned()) scrollToEnd();
    });
    observer.observe(log);
    // A line that grows in place (an edit, the first reaction, an editor opening) keeps a pinned
    // reader at the end too: no new message comes to tell.
    const grown = new MutationObserver(() => {
      if (pinned() && log !== undefined && log.scrollHeight - log.scrollTop - log.clientHeight > 1) scrollToEnd();
    });
    grown.observe(log, { childList: true, subtree: true, characterData: true });
    onCleanup(() => {
      observer.disconnect();
      grown.disconnect();
    });
  });

  return (
    <div class="message-pane">
      <div
        ref={(element) => (log = element)}
        class="message-log"
        role="log"
        aria-live={live() ? "polite" : "off"}
        // Text changes ("1 min ago") must not be re-read; only new lines are news.
        aria-relevant="additions"
        aria-label={`Messages in ${props.room.id}`}
        // Focusable so keyboard users can scroll it.
        tabindex="0"
        onScroll={onScroll}
        // Leaving the log (to the message box, say) makes the newest message current again, so
        // Shift+Tab from the box reaches it; a control that vanished under focus leaves nowhere.
        onFocusOut={(event) => {
          if (event.relatedTarget instanceof Node && !log?.contains(event.relatedTarget)) setChosenId(null);
        }}
      >
        <Show
          when={!quiet()}
          fallback={
            <div class="empty-state">
              <p class="empty-title">This is the start of #{props.room.id}</p>
              <p>Everyone in the room sees what is said here. Say hello!</p>
            </div>
          }
        >
          <OlderMessages
            roomId={props.room.id}
            scrollback={props.room.scrollback}
            onLoad={() => void loadByButton()}
            buttonRef={(button) => (olderButton = button)}
          />
        </Show>
        <For each={keys()}>
          {(key) => (
            <Show when={byKey().get(key)}>
              {(group) => (
                <MessageGroupView
                  group={group()}
                  roomId={props.room.id}
                  ownName={props.room.username}
                  editingId={props.room.editing}
                  currentId={currentId()}
                  onCurrent={setChosenId}
                  onMove={move}
                  onShowQuote={showQuote}
                  now={now()}
                  focusId={focusId()}
                  flashId={flashId()}
                />
              )}
            </Show>
          )}
        </For>
        <For each={props.room.pending}>{(line) => <PendingMessageView line={line} ownName={props.room.username} />}</For>
      </div>
      <p class="visually-hidden" aria-live="polite">
        {announcement()}
      </p>
      <Show when={missed()}>
        <button type="button" class="jump-button" onClick={scrollToEnd}>
          New messages <span aria-hidden="true">↓</span>
        </button>
      </Show>
    </div>
  );
}
