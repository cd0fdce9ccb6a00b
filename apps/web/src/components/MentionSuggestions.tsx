import { For, type JSX, Show } from "solid-js";

/**
 * The members an `@` in the message box may call, as a listbox the box drives: the box keeps
 * focus and points at the active option (`aria-activedescendant`); a click picks one too.
 */
export function MentionSuggestions(props: { id: string; names: readonly string[]; active: number; onPick: (name: string) => void }): JSX.Element {
  return (
    <Show when={props.names.length > 0}>
      <ul id={props.id} class="mention-suggestions" role="listbox" aria-label="Mention suggestions">
        <For each={props.names}>
          {(name, index) => (
            <li
              id={`${props.id}-${index()}`}
              role="option"
              class="mention-option"
              aria-selected={index() === props.active}
              // Keeps focus in the box, so the caret stays where the name goes.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => props.onPick(name)}
            >
              <span aria-hidden="true">@</span>
              <bdi>{name}</bdi>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
