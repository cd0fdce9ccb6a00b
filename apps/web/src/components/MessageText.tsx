import { createMemo, For, type JSX } from "solid-js";
import { splitBidiControls } from "../lib/bidi-controls";
import { ControlMarker } from "./ControlMarker";

/**
 * A message's text as text nodes, with each bidi control replaced by its marker, so the text
 * reads in the order it was written ("see ⟪RLO⟫fdp.exe", never "see exe.pdf"). Place it in an
 * element with `dir="auto"`, which isolates it and lets a right-to-left message read right to left.
 */
export function MessageText(props: { text: string }): JSX.Element {
  const pieces = createMemo(() => splitBidiControls(props.text));
  return <For each={pieces()}>{(piece) => (piece.kind === "text" ? piece.text : <ControlMarker control={piece.control} />)}</For>;
}
