import { type JSX, Show } from "solid-js";
import type { ScrollbackState } from "../stores/chat-store";

/** What the top of the conversation is shown from. */
export interface OlderMessagesProps {
  roomId: string;
  scrollback: ScrollbackState;
  onLoad: () => void;
  /** Receives the button, so the log can tell when the reader is on it. */
  buttonRef: (button: HTMLButtonElement) => void;
}

/**
 * The top of the conversation: a "Load older messages" button for keyboards and screen readers
 * (scrolling up loads them as well), why the last load failed (the button tries again), and once
 * everything is loaded, a quiet note that this is where the conversation starts.
 */
export function OlderMessages(props: OlderMessagesProps): JSX.Element {
  const errorId = (): string => `older-error-${props.roomId}`;
  return (
    <Show when={!props.scrollback.atStart} fallback={<p class="log-start">This is the start of the conversation</p>}>
      <div class="log-start">
        <Show when={props.scrollback.error}>
          {(error) => (
            <p id={errorId()} class="log-start-error">
              Older messages could not be loaded: {error()}
            </p>
          )}
        </Show>
        {/* Named the same while loading, so the name a reader is on does not change under them. */}
        <button
          ref={(button) => props.buttonRef(button)}
          type="button"
          class="button button--quiet"
          aria-busy={props.scrollback.loading}
          aria-describedby={props.scrollback.error === null ? undefined : errorId()}
          onClick={() => props.onLoad()}
        >
          Load older messages
        </button>
        {/* The log announces the outcome in words; this is for the eye. */}
        <Show when={props.scrollback.loading}>
          <span class="log-start-loading" aria-hidden="true">
            Loading…
          </span>
        </Show>
      </div>
    </Show>
  );
}
