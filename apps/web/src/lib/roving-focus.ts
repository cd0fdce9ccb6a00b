/**
 * Arrow-key focus within a row of buttons (a toolbar, a menu): Left/Right (and Up/Down) move to
 * the previous or next one, wrapping; Home and End go to the ends. Returns whether it moved.
 */
export function moveFocus(container: HTMLElement, event: KeyboardEvent, selector = "button"): boolean {
  const items = Array.from(container.querySelectorAll<HTMLElement>(selector));
  if (items.length === 0) return false;
  const at = items.indexOf(document.activeElement as HTMLElement);
  let next: number;
  switch (event.key) {
    case "ArrowRight":
    case "ArrowDown":
      next = (at + 1) % items.length;
      break;
    case "ArrowLeft":
    case "ArrowUp":
      next = (at - 1 + items.length) % items.length;
      break;
    case "Home":
      next = 0;
      break;
    case "End":
      next = items.length - 1;
      break;
    default:
      return false;
  }
  event.preventDefault();
  for (const [index, item] of items.entries()) item.tabIndex = index === next ? 0 : -1;
  items[next]?.focus();
  return true;
}
