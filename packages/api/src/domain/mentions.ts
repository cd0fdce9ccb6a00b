/**
 * Which of a room's members a message calls by `@name`. Names may hold spaces and any letters, so
 * mentions are found by looking for each present name rather than by parsing words.
 */

/** The most names one message mentions: past it, the rest are plain text. */
export const MENTIONS_MAX = 50;

// A mention stands apart from the words around it: "@ann" is not a mention of "an", nor is
// "me@ann.example" one of "ann".
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}_]/u;

/** The members of `members` that `text` mentions as `@name` (case-insensitively), in member order. */
export function mentionsIn(text: string, members: readonly string[]): string[] {
  if (!text.includes("@")) return [];
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const name of members) {
    if (found.length >= MENTIONS_MAX) break;
    if (mentions(lower, `@${name.toLowerCase()}`)) found.push(name);
  }
  return found;
}

function mentions(text: string, mention: string): boolean {
  for (let at = text.indexOf(mention); at !== -1; at = text.indexOf(mention, at + 1)) {
    const before = Array.from(text.slice(Math.max(0, at - 2), at)).at(-1) ?? "";
    const after = Array.from(text.slice(at + mention.length, at + mention.length + 2))[0] ?? "";
    if (!WORD_CHARACTER.test(before) && !WORD_CHARACTER.test(after)) return true;
  }
  return false;
}
