import { messageTextSchema } from "@chat/api/schema";
import { createSignal, type JSX, onMount } from "solid-js";

/**
 * A message's text being edited in place: Enter saves, Shift+Enter adds a line, Escape cancels.
 * The text is checked with the server's schema first; saving the same text changes nothing.
 */
export function EditMessage(props: { id: string; text: string; onSave: (text: string) => void; onCancel: () => void }): JSX.Element {
  let field: HTMLTextAreaElement | undefined;
  const [invalid, setInvalid] = createSignal<string | null>(null);
  const fieldId = (): string => `edit-${props.id}`;

  onMount(() => {
    if (field === undefined) return;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });

  const save = (): void => {
    const typed = field?.value ?? "";
    const parsed = messageTextSchema.safeParse(typed);
    if (!parsed.success) {
      setInvalid(parsed.error.issues[0]?.message ?? "Message is not valid.");
      return;
    }
    if (parsed.data === props.text) props.onCancel();
    else props.onSave(parsed.data);
  };

  return (
    <form
      class="message-edit"
      aria-live="off"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <label class="visually-hidden" for={fieldId()}>
        Edit message
      </label>
      <textarea
        ref={(element) => (field = element)}
        id={fieldId()}
        class="composer-input message-edit-input"
        rows="2"
        value={props.text}
        aria-invalid={invalid() !== null}
        aria-describedby={`${fieldId()}-hint ${fieldId()}-error`}
        onInput={() => invalid() !== null && setInvalid(null)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            props.onCancel();
          } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            save();
          }
        }}
      />
      <div class="message-edit-row">
        <p id={`${fieldId()}-hint`} class="hint">
          Enter to save · Escape to cancel
        </p>
        <button type="button" class="button button--quiet" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button type="submit" class="button button--quiet">
          Save
        </button>
      </div>
      <p id={`${fieldId()}-error`} class="field-error">
        {invalid()}
      </p>
    </form>
  );
}
