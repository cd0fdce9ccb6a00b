import { For, type JSX } from "solid-js";
import { describeTyping } from "../lib/typing";

/**
 * "alice is typing…" above the message box. Its line is always there, so text appearing and
 * going never shifts the conversation; it is not a live region, because hearing it announced at
 * every keystroke pause would drown out the messages themselves.
 */
export function TypingIndicator(props: { names: readonly string[] }): JSX.Element {
  return (
    <p class="typing-indicator">
      <For each={describeTyping(props.names)}>{(part) => ("name" in part ? <bdi>{part.name}</bdi> : part.words)}</For>
    </p>
  );
}
