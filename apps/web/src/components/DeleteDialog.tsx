import { type JSX, onMount } from "solid-js";
import { MessageText } from "./MessageText";

/**
 * Asks before deleting a message, as a modal `<dialog>` ("Delete message?"): focus moves into
 * it and stays there, Escape or Cancel keeps the message, Delete deletes it.
 */
export function DeleteDialog(props: { text: string; onConfirm: () => void; onClose: () => void }): JSX.Element {
  let dialog: HTMLDialogElement | undefined;
  let confirmed = false;
  onMount(() => dialog?.showModal());
  return (
    <dialog
      ref={(element) => (dialog = element)}
      class="confirm-dialog"
      aria-labelledby="delete-title"
      aria-describedby="delete-text"
      onClose={() => (confirmed ? props.onConfirm() : props.onClose())}
    >
      <h2 id="delete-title" class="dialog-title">
        Delete message?
      </h2>
      <p id="delete-text" class="dialog-quote" dir="auto">
        <MessageText text={props.text} />
      </p>
      <p class="muted">Everyone in the room will see “Message deleted” instead. This cannot be undone.</p>
      <div class="dialog-actions">
        {/* Cancel first and focused: the safe choice is the default one. */}
        <button type="button" class="button" autofocus onClick={() => dialog?.close()}>
          Cancel
        </button>
        <button
          type="button"
          class="button button--danger"
          onClick={() => {
            confirmed = true;
            dialog?.close();
          }}
        >
          Delete
        </button>
      </div>
    </dialog>
  );
}
