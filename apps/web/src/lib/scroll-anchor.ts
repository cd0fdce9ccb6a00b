/**
 * Keeping the reader's place while messages are added above it: the first message in view stays
 * where it is on screen. Browsers' own scroll anchoring (`overflow-anchor`) does nothing while a
 * scroller is at its very top, which is exactly where scrolling back loads, and Safari has none;
 * so the log turns it off and relies on this instead.
 */

/** The attribute that carries a message's id on its element in the log. */
export const MESSAGE_ID_ATTRIBUTE = "data-message-id";

/** Selects the log's message elements. */
export const MESSAGE_SELECTOR = `[${MESSAGE_ID_ATTRIBUTE}]`;

/** A message's element, as far as keeping a place needs it (a DOM `Element` is one). */
export interface PlacedElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { readonly top: number; readonly bottom: number };
}

/** The scrolling log, as far as keeping a place needs it (an `HTMLElement` is one). */
export interface ScrollBox {
  scrollTop: number;
  readonly scrollHeight: number;
  getBoundingClientRect(): { readonly top: number };
  querySelectorAll(selectors: string): ArrayLike<PlacedElement>;
}

/** The element of message `messageId` among `elements`, if it is there. */
export function findMessageElement<E extends PlacedElement>(elements: ArrayLike<E>, messageId: string): E | undefined {
  // Compared as attributes rather than built into a selector: ids are not escaped for CSS.
  return Array.from(elements).find((element) => element.getAttribute(MESSAGE_ID_ATTRIBUTE) === messageId);
}

/**
 * Runs `change`, which must update the DOM synchronously, and scrolls `box` so that the message
 * that was first in view is at the same height on screen afterwards. Measured by message id, not
 * by element, because a change may re-create the element (a group that gains older lines).
 */
export function keepReadingPlace(box: ScrollBox, change: () => void): void {
  const viewTop = box.getBoundingClientRect().top;
  const anchor = Array.from(box.querySelectorAll(MESSAGE_SELECTOR)).find((element) => element.getBoundingClientRect().bottom > viewTop);
  const anchorId = anchor?.getAttribute(MESSAGE_ID_ATTRIBUTE) ?? null;
  const anchorTop = anchor?.getBoundingClientRect().top ?? 0;
  const height = box.scrollHeight;
  change();
  const moved = anchorId === null ? undefined : findMessageElement(box.querySelectorAll(MESSAGE_SELECTOR), anchorId);
  // With no message in view to hold on to, how much the content grew is the next best measure.
  box.scrollTop += moved === undefined ? box.scrollHeight - height : moved.getBoundingClientRect().top - anchorTop;
}
