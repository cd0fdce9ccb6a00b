import { messageTextSchema, TEXT_MAX } from "@chat/api/schema";
import { createMemo, createSignal, type JSX, onMount, Show } from "solid-js";
import { type MentionQuery, mentionQueryAt, suggestMembers } from "../lib/mentions";
import { useChat } from "../stores/chat-context";
import type { RoomState } from "../stores/chat-store";
import { Icon } from "./Icon";
import { MentionSuggestions } from "./MentionSuggestions";
import { MessageText } from "./MessageText";
import { TypingIndicator } from "./TypingIndicator";

/** From how many characters on the box shows a counter, so the limit is no surprise. */
const COUNTER_FROM = Math.floor(TEXT_MAX * 0.9);

/** Characters as the schema counts them (code points), so the counter agrees with it. */
const lengthOf = (text: string): number => [...text.trim()].length;

/**
 * The message box: Enter sends, Shift+Enter adds a line. Text is checked with the server's
 * schema first; a sent message then shows in the log as pending, where a refusal shows too.
 * A reply being written shows its quote above the box, with a control to cancel it (Escape
 * too). `@` suggests the room's members (arrow keys, then Enter or Tab); Up in an empty box
 * edits the user's last message.
 */
export function MessageComposer(props: { room: RoomState }): JSX.Element {
  const chat = useChat();
  let field: HTMLTextAreaElement | undefined;
  const [invalid, setInvalid] = createSignal<string | null>(null);
  const [mention, setMention] = createSignal<MentionQuery | null>(null);
  const [active, setActive] = createSignal(0);
  const inputId = (): string => `message-${props.room.id}`;
  const listId = (): string => `${inputId()}-mentions`;
  const suggestions = createMemo(() => {
    const typed = mention();
    return typed === null ? [] : suggestMembers(props.room.members, typed.query, props.room.username);
  });
  const activeOption = (): string | undefined => (suggestions().length > 0 ? `${listId()}-${Math.min(active(), suggestions().length - 1)}` : undefined);

  // What is typed right before the caret decides whether names are suggested.
  const followCaret = (): void => {
    if (field === undefined || field.selectionStart !== field.selectionEnd) {
      setMention(null);
      return;
    }
    const next = mentionQueryAt(field.value, field.selectionStart);
    if (next?.start !== mention()?.start || next?.query !== mention()?.query) setActive(0);
    setMention(next);
  };

  const pick = (name: string): void => {
    const typed = mention();
    if (field === undefined || typed === null) return;
    const caret = typed.start + 1 + typed.query.length;
    const text = `${field.value.slice(0, typed.start)}@${name} ${field.value.slice(caret)}`;
    const after = typed.start + name.length + 2;
    field.value = text;
    field.setSelectionRange(after, after);
    chat.setDraft(props.room.id, text);
    setMention(null);
    field.focus();
  };

  /** The user's newest message that can still be edited. */
  const lastOwn = (): string | undefined =>
    props.room.messages.findLast((message) => message.kind === "user" && !message.deleted && message.username === props.room.username)?.id;

  const check = (text: string): string | null => {
    const parsed = messageTextSchema.safeParse(text);
    return parsed.success ? null : (parsed.error.issues[0]?.message ?? "Message is not valid.");
  };

  const submit = (): void => {
    const roomId = props.room.id;
    const typed = props.room.draft;
    // An empty box is nothing to send, not a mistake to point out.
    if (typed.trim() === "") return;
    const parsed = messageTextSchema.safeParse(typed);
    if (!parsed.success) {
      setInvalid(check(typed));
      field?.focus();
      return;
    }
    setInvalid(null);
    // Emptied at once: the message is in the log as pending from now on, with Retry and Discard
    // if the server refuses it, so the next one can be typed meanwhile.
    chat.setDraft(roomId, "");
    const replyTo = props.room.replyTo;
    chat.setReply(roomId, null);
    setMention(null);
    void chat.send(roomId, parsed.data, replyTo);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    // `isComposing`: keys that drive an IME (Japanese, Chinese…) are not commands.
    if (event.isComposing) return;
    const names = suggestions();
    if (names.length > 0) {
      const at = Math.min(active(), names.length - 1);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((at + (event.key === "ArrowDown" ? 1 : names.length - 1)) % names.length);
        return;
      }
      if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        event.preventDefault();
        const name = names[at];
        if (name !== undefined) pick(name);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    if (event.key === "Escape" && props.room.replyTo !== null) {
      event.preventDefault();
      chat.setReply(props.room.id, null);
      return;
    }
    if (event.key === "ArrowUp" && props.room.draft === "" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      const id = lastOwn();
      if (id === undefined) return;
      event.preventDefault();
      chat.setEditing(props.room.id, id);
      return;
    }
    if (event.key !== "Enter" || event.shiftKey) return;
    event.preventDefault();
    submit();
  };

  const onInput = (event: InputEvent & { currentTarget: HTMLTextAreaElement }): void => {
    chat.setDraft(props.room.id, event.currentTarget.value);
    followCaret();
    // Once an error is shown, re-check as the reader fixes the text so it goes away in time.
    if (invalid() !== null) setInvalid(check(event.currentTarget.value));
  };

  onMount(() => {
    // Focus the box so typing can start at once, except on touch screens, where it would pop
    // the keyboard up over the conversation.
    if (field !== undefined && !matchMedia("(pointer: coarse)").matches) field.focus();
  });

  const describedBy = (): string =>
    [props.room.replyTo !== null ? `${inputId()}-reply` : "", `${inputId()}-hint`, invalid() !== null ? `${inputId()}-error` : ""]
      .filter((id) => id !== "")
      .join(" ");

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <TypingIndicator names={props.room.typing} />
      <Show when={props.room.replyTo}>
        {(quote) => (
          <div class="composer-reply">
            <p class="composer-reply-text" id={`${inputId()}-reply`}>
              Replying to <bdi class="reply-quote-author">{quote().username}</bdi>:{" "}
              <span class="reply-quote-text" dir="auto">
                <MessageText text={quote().text} />
              </span>
            </p>
            <button
              type="button"
              class="icon-button"
              aria-label="Cancel reply"
              title="Cancel reply"
              onClick={() => {
                chat.setReply(props.room.id, null);
                field?.focus();
              }}
            >
              <Icon name="close" />
            </button>
          </div>
        )}
      </Show>
      <MentionSuggestions id={listId()} names={suggestions()} active={active()} onPick={pick} />
      <label class="visually-hidden" for={inputId()}>
        Message
      </label>
      <div class="composer-row">
        <textarea
          ref={(element) => (field = element)}
          id={inputId()}
          class="composer-input"
          name="message"
          rows="2"
          placeholder={`Message #${props.room.id}`}
          value={props.room.draft}
          aria-invalid={invalid() !== null}
          aria-describedby={describedBy()}
          aria-autocomplete="list"
          aria-controls={suggestions().length > 0 ? listId() : undefined}
          aria-activedescendant={activeOption()}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onClick={followCaret}
          onKeyUp={(event) => {
            if (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End") followCaret();
          }}
          onBlur={() => setMention(null)}
        />
        <button type="submit" class="button button--primary">
          Send
        </button>
      </div>
      <div class="composer-notes">
        <p id={`${inputId()}-hint`} class="hint">
          Enter to send · Shift+Enter for a new line · ↑ to edit your last message
        </p>
        <Show when={lengthOf(props.room.draft) >= COUNTER_FROM}>
          <p class="char-count" classList={{ "char-count--over": lengthOf(props.room.draft) > TEXT_MAX }}>
            {lengthOf(props.room.draft)} / {TEXT_MAX}
          </p>
        </Show>
      </div>
      <p id={`${inputId()}-error`} class="field-error">
        {invalid()}
      </p>
      {/* Always in the page, so assistive technology announces the text when it appears. */}
      <p role="alert" class="form-error">
        {props.room.error}
      </p>
    </form>
  );
}
