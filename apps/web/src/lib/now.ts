import { type Accessor, createSignal, onCleanup } from "solid-js";

/**
 * The current time, refreshed every `intervalMs` while the calling component lives, so
 * "just now" becomes "1 min ago" without re-rendering anything else.
 */
export function createNow(intervalMs = 30_000): Accessor<number> {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), intervalMs);
  onCleanup(() => clearInterval(timer));
  return now;
}
