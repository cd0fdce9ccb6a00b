/** A promise with its resolver, for "the subscriber is back and caught up". */
export interface Latch {
  promise: Promise<void>;
  open: () => void;
  isOpen: boolean;
}

/** A closed latch: its promise resolves once `open()` is called. */
export function latch(): Latch {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  const result: Latch = { promise, open: () => ((result.isOpen = true), open()), isOpen: false };
  return result;
}
