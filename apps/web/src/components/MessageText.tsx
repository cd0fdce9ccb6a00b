import { createMemo, For, type JSX } from "solid-js";
import { splitBidiControls } from "../lib/bidi-controls";
import { splitMentions } from "../lib/mentions";
import { ControlMarker } from "./ControlMarker";

/** Text nodes, with each bidi control replaced by its marker. */
function PlainText(props: { text: string }): JSX.Element {
  const pieces = createMemo(() => splitBidiControls(props.text));
  return <For each={pieces()}>{(piece) => (piece.kind === "text" ? piece.text : <ControlMarker control={piece.control} />)}</For>;
}

/**
 * A message's text as text nodes, with each bidi control replaced by its marker, so the text
 * reads in the order it was written ("see ⟪RLO⟫fdp.exe", never "see exe.pdf"). Place it in an
 * element with `dir="auto"`, which isolates it and lets a right-to-left message read right to left.
 * Each `@name` of `mentions` (the server's list) is set apart in a span of its own, and one of
 * `ownName` is highlighted (`<mark>`): still text nodes, never markup from the message.
 */
export function MessageText(props: { text: string; mentions?: readonly string[]; ownName?: string }): JSX.Element {
  const pieces = createMemo(() => splitMentions(props.text, props.mentions ?? []));
  return (
    <For each={pieces()}>
      {(piece) =>
        piece.kind === "text" ? (
          <PlainText text={piece.text} />
        ) : piece.name === props.ownName ? (
          <mark class="mention mention--own">
            <PlainText text={piece.text} />
          </mark>
        ) : (
          <span class="mention">
            <PlainText text={piece.text} />
          </span>
        )
      }
    </For>
  );
}
