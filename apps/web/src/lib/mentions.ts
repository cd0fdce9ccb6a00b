/**
 * Mentions in text: where a message calls someone by `@name` (the server says whom, this finds
 * where, by the same rule), and the `@name` being typed in the message box.
 */

// As the server decides: a mention stands apart from the words around it.
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}_]/u;

/** A run of a message's text: plain, or an `@name` calling `name`. */
export type MentionPiece = { kind: "text"; text: string } | { kind: "mention"; text: string; name: string };

function standsApart(text: string, at: number, end: number): boolean {
  const before = Array.from(text.slice(Math.max(0, at - 2), at)).at(-1) ?? "";
  const after = Array.from(text.slice(end, end + 2))[0] ?? "";
  return !WORD_CHARACTER.test(before) && !WORD_CHARACTER.test(after);
}

/**
 * `text` cut into plain runs and the `@name` of each of `names` (compared case-insensitively, the
 * longest name first where two start alike, "@ann lee" before "@ann"), in order.
 */
export function splitMentions(text: string, names: readonly string[]): MentionPiece[] {
  if (names.length === 0 || !text.includes("@")) return [{ kind: "text", text }];
  const lower = text.toLowerCase();
  const candidates = [...names].sort((a, b) => b.length - a.length).map((name) => ({ name, needle: `@${name.toLowerCase()}` }));
  const pieces: MentionPiece[] = [];
  let plainFrom = 0;
  let at = lower.indexOf("@");
  while (at !== -1) {
    const found = candidates.find(({ needle }) => lower.startsWith(needle, at) && standsApart(lower, at, at + needle.length));
    if (found === undefined) {
      at = lower.indexOf("@", at + 1);
      continue;
    }
    const end = at + found.needle.length;
    if (at > plainFrom) pieces.push({ kind: "text", text: text.slice(plainFrom, at) });
    pieces.push({ kind: "mention", text: text.slice(at, end), name: found.name });
    plainFrom = end;
    at = lower.indexOf("@", end);
  }
  if (plainFrom < text.length) pieces.push({ kind: "text", text: text.slice(plainFrom) });
  return pieces;
}

/** The `@name` being typed: where its `@` is, and what follows it up to the caret. */
export interface MentionQuery {
  /** Index of the `@` in the text. */
  start: number;
  /** What is typed after the `@`. */
  query: string;
}

/** The longest part of a name typed after `@` that is still looked up. */
const QUERY_MAX = 32;

/**
 * The `@name` that ends at `caret` in `text`, if one is being typed: an `@` at the start or after
 * a space, then up to `QUERY_MAX` characters of one line (names may hold spaces).
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const start = before.lastIndexOf("@");
  if (start === -1) return null;
  const query = before.slice(start + 1);
  if (query.includes("\n") || query.includes("@") || Array.from(query).length > QUERY_MAX) return null;
  if (start > 0 && !/\s/u.test(before[start - 1] ?? "")) return null;
  return { start, query };
}

/** Members whose name starts with `query` (case-insensitively), others than `ownName`, at most `limit`. */
export function suggestMembers(members: readonly string[], query: string, ownName: string, limit = 8): string[] {
  const lower = query.toLowerCase();
  return members.filter((name) => name !== ownName && name.toLowerCase().startsWith(lower)).slice(0, limit);
}
