import type { Reaction } from "@chat/api/schema";
import { Index, type JSX, Show } from "solid-js";

/** "👍 2: alice, bob": a chip's accessible name, which its tooltip shows too. */
export function reactionLabel(reaction: Reaction): string {
  return `${reaction.emoji} ${reaction.usernames.length}: ${reaction.usernames.join(", ")}`;
}

/**
 * A message's reactions as chips under it: the emoji and how many, who on hover (`title`) and in
 * the accessible name; pressing one adds or takes back the user's own (`aria-pressed`). Kept by
 * position (`<Index>`), so a chip keeps its focus while counts change.
 */
export function Reactions(props: {
  reactions: readonly Reaction[];
  ownName: string;
  /** 0 for the log's current message, whose controls are in the Tab order; else -1. */
  tabIndex: number;
  onToggle: (emoji: string, on: boolean) => void;
}): JSX.Element {
  return (
    <Show when={props.reactions.length > 0}>
      {/* Chips change as people react: that is not news to read out in the log. */}
      <div class="reactions" role="group" aria-label="Reactions" aria-live="off">
        <Index each={props.reactions}>
          {(reaction) => {
            const mine = (): boolean => reaction().usernames.includes(props.ownName);
            return (
              <button
                type="button"
                class="reaction"
                tabindex={props.tabIndex}
                aria-pressed={mine()}
                aria-label={reactionLabel(reaction())}
                title={reaction().usernames.join(", ")}
                onClick={() => props.onToggle(reaction().emoji, !mine())}
              >
                <span class="reaction-emoji">{reaction().emoji}</span>
                <span class="reaction-count">{reaction().usernames.length}</span>
              </button>
            );
          }}
        </Index>
      </div>
    </Show>
  );
}
