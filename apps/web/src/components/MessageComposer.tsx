import { messageTextSchema, TEXT_MAX } from "@chat/api/schema";
import { createSignal, type JSX, onMount, Show } from "solid-js";
import { useChat } from "../stores/chat-context";
import type { RoomState } from "../stores/chat-store";
import { TypingIndicator } from "./TypingIndicator";

/** From how many characters on the box shows a counter, so the limit is no surprise. */
const COUNTER_FROM = Math.floor(TEXT_MAX * 0.9);

/** Characters as the schema counts them (code points), so the counter agrees with it. */
const lengthOf = (text: string): number => [...text.trim()].length;

/**
 * The message box: Enter sends, Shift+Enter adds a line. Text is checked with the server's
 * schema first; a sent message then shows in the log as pending, where a refusal shows too.
 */
export function MessageComposer(props: { room: RoomState }): JSX.Element {
  const chat = useChat();
  let field: HTMLTextAreaElement | undefined;
  const [invalid, setInvalid] = createSignal<string | null>(null);
  const inputId = (): string => `message-${props.room.id}`;

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
    void chat.send(roomId, parsed.data);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    // `isComposing`: Enter that confirms an IME candidate (Japanese, Chinese…) is not "send".
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submit();
  };

  const onInput = (event: InputEvent & { currentTarget: HTMLTextAreaElement }): void => {
    chat.setDraft(props.room.id, event.currentTarget.value);
    // Once an error is shown, re-check as the reader fixes the text so it goes away in time.
    if (invalid() !== null) setInvalid(check(event.currentTarget.value));
  };

  onMount(() => {
    // Focus the box so typing can start at once, except on touch screens, where it would pop
    // the keyboard up over the conversation.
    if (field !== undefined && !matchMedia("(pointer: coarse)").matches) field.focus();
  });

  const describedBy = (): string =>
    [`${inputId()}-hint`, invalid() !== null ? `${inputId()}-error` : ""].filter((id) => id !== "").join(" ");

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <TypingIndicator names={props.room.typing} />
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
          onInput={onInput}
          onKeyDown={onKeyDown}
        />
        <button type="submit" class="button button--primary">
          Send
        </button>
      </div>
      <div class="composer-notes">
        <p id={`${inputId()}-hint`} class="hint">
          Enter to send · Shift+Enter for a new line
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
