import type { ChatMessage } from "@chat/client";
import { type JSX, Show } from "solid-js";

/**
 * A system line's words ("alice joined", or a gap notice), isolated from the time beside them.
 * The server writes the person's name first; it is isolated too, so a right-to-left name neither
 * turns the English line around nor swaps places with the words after it.
 */
export function SystemText(props: { message: ChatMessage }): JSX.Element {
  const name = (): string => props.message.username;
  const named = (): boolean => name() !== "" && props.message.text.startsWith(name());
  return (
    <span class="system-text" dir="auto">
      <Show when={named()} fallback={props.message.text}>
        <bdi>{name()}</bdi>
        {props.message.text.slice(name().length)}
      </Show>
    </span>
  );
}
