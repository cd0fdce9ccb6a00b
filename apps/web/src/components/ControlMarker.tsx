import type { JSX } from "solid-js";
import type { BidiControl } from "../lib/bidi-controls";

/**
 * A bidi control shown instead of applied: a small muted "⟪RLO⟫", named for assistive technology
 * and explained on hover. Its own `dir` keeps its letters out of the message's direction guess.
 */
export function ControlMarker(props: { control: BidiControl }): JSX.Element {
  return (
    <span
      class="control-marker"
      role="img"
      dir="ltr"
      aria-label={`${props.control.name}, ${props.control.code}`}
      title={`${props.control.code} ${props.control.name.toUpperCase()}: a text-direction control, shown here instead of applied`}
    >
      ⟪{props.control.abbreviation}⟫
    </span>
  );
}
