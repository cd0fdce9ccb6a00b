/**
 * What a person's avatar shows: the first letter of their name on a colour of their own, so a
 * reader can follow who is talking at a glance. Both are derived from the name alone, so every
 * tab and every reader sees the same colour for the same person.
 */
export interface Avatar {
  /** The name's first character (a whole code point, so an emoji or accented letter stays whole), upper-cased. */
  initial: string;
  /** A hue in degrees, 0–359; the stylesheet picks lightness and chroma per theme for contrast. */
  hue: number;
}

/** The avatar of `username` (non-empty, as the schema guarantees). */
export function avatarFor(username: string): Avatar {
  // FNV-1a over UTF-16 units: tiny, stable, and spreads similar names ("bob", "bob2") apart.
  let hash = 0x811c9dc5;
  for (let index = 0; index < username.length; index++) {
    hash ^= username.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  const [first = "?"] = username;
  return { initial: first.toLocaleUpperCase(), hue: (hash >>> 0) % 360 };
}
