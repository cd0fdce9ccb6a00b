import { For, type JSX, onMount } from "solid-js";
import { moveFocus } from "../lib/roving-focus";

/** The emoji the picker offers, with the words a tooltip shows. */
export const COMMON_EMOJI: readonly { emoji: string; name: string }[] = [
  { emoji: "👍", name: "thumbs up" },
  { emoji: "❤️", name: "heart" },
  { emoji: "😂", name: "laughing" },
  { emoji: "🎉", name: "party" },
  { emoji: "😮", name: "surprised" },
  { emoji: "😢", name: "sad" },
  { emoji: "🙏", name: "thank you" },
  { emoji: "👀", name: "looking" },
];

/**
 * A small menu of common emoji (`role="menu"`, named "Pick a reaction"): it takes focus when it
 * opens, arrow keys move through it, Enter picks, Escape or leaving it closes it.
 */
export function ReactionPicker(props: { onPick: (emoji: string) => void; onClose: (returnFocus: boolean) => void }): JSX.Element {
  let menu: HTMLDivElement | undefined;
  onMount(() => menu?.querySelector<HTMLElement>("[role=menuitem]")?.focus());
  return (
    <div
      ref={(element) => (menu = element)}
      class="reaction-picker"
      role="menu"
      aria-label="Pick a reaction"
      aria-orientation="horizontal"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          props.onClose(true);
          return;
        }
        if (event.key === "Tab") {
          props.onClose(false);
          return;
        }
        if (menu !== undefined) moveFocus(menu, event, "[role=menuitem]");
      }}
      onFocusOut={(event) => {
        const next = event.relatedTarget;
        if (!(next instanceof Node) || !menu?.contains(next)) props.onClose(false);
      }}
    >
      <For each={COMMON_EMOJI}>
        {(choice, index) => (
          <button
            type="button"
            role="menuitem"
            class="reaction-choice"
            tabindex={index() === 0 ? 0 : -1}
            aria-label={choice.emoji}
            title={choice.name}
            onClick={() => props.onPick(choice.emoji)}
          >
            {choice.emoji}
          </button>
        )}
      </For>
    </div>
  );
}
