/**
 * Who is typing in a room, from the server's throttled `typing` signals: a name shows from its
 * signal until `timeoutMs` pass without another, or until that person's message or leave
 * arrives (whichever is first), so the line never lingers after the words it announced.
 */
export interface TypingTracker {
  /** A `typing` signal from `username`: shows the name, or keeps it shown a while longer. */
  saw(username: string): void;
  /** `username` sent their message or left: the name goes at once. */
  stopped(username: string): void;
  /** Forgets everyone and cancels every timer (the room was left). */
  clear(): void;
}

/** A tracker that reports the names typing, in the order they started, on every change. */
export function createTypingTracker(timeoutMs: number, onChange: (names: string[]) => void): TypingTracker {
  // Insertion order of a Map is the order people started typing; re-signalling keeps the place.
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const report = (): void => onChange([...timers.keys()]);

  const stopped = (username: string): void => {
    const timer = timers.get(username);
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(username);
    report();
  };

  return {
    saw(username) {
      const known = timers.has(username);
      clearTimeout(timers.get(username));
      timers.set(
        username,
        setTimeout(() => stopped(username), timeoutMs),
      );
      if (!known) report();
    },
    stopped,
    clear() {
      for (const timer of timers.values()) clearTimeout(timer);
      if (timers.size === 0) return;
      timers.clear();
      report();
    },
  };
}

/** A piece of the typing line: a person's name, or the words around names. */
export type TypingPart = { name: string } | { words: string };

/**
 * The line shown under the conversation, "", "alice is typing…", "alice and bob are typing…", …,
 * in parts, so that each name can be shown isolated: a right-to-left name must not swap places
 * with the names or words around it.
 */
export function describeTyping(names: readonly string[]): TypingPart[] {
  const [first, second, third] = names;
  if (first === undefined) return [];
  if (second === undefined) return [{ name: first }, { words: " is typing…" }];
  if (third === undefined) return [{ name: first }, { words: " and " }, { name: second }, { words: " are typing…" }];
  if (names.length === 3) {
    return [{ name: first }, { words: ", " }, { name: second }, { words: " and " }, { name: third }, { words: " are typing…" }];
  }
  return [{ words: "Several people are typing…" }];
}
