import type { JSX } from "solid-js";
import { formatExactTime, formatRelativeTime } from "../lib/relative-time";

/** A time shown as "2 min ago", with the exact time in `datetime` and on hover. */
export function RelativeTime(props: { date: Date; now: number }): JSX.Element {
  return (
    <time class="relative-time" datetime={props.date.toISOString()} title={formatExactTime(props.date)}>
      {formatRelativeTime(props.date, props.now)}
    </time>
  );
}
