/**
 * What "matches the words of a query" means in every store: text is folded (compatibility forms,
 * case, diacritics) and cut into words of letters and digits, as SQLite's FTS5 `unicode61`
 * tokenizer with `remove_diacritics 2` does; a query matches a text when each of its words begins
 * one of the text's words, so "réu" finds "Reunion". Stores that scan what they retain use
 * `matchesTerms`; SQLite gives the same terms to FTS5 as quoted prefix queries.
 */

/** A run of characters that are neither letters, digits nor private-use: what separates words. */
const SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;
/** Combining marks, which folding drops: "é" becomes "e". */
const MARKS = /\p{M}/gu;
/** The most words of a query that count: more would cost a scan per word and find nothing new. */
export const SEARCH_TERMS_MAX = 16;

/** `text` folded and cut into words, in order, empty ones left out. */
export function searchWords(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(MARKS, "")
    .toLowerCase()
    .split(SEPARATORS)
    .filter((word) => word.length > 0);
}

/** The distinct words of a query (at most `SEARCH_TERMS_MAX`); none when it holds no letter or digit. */
export function searchTerms(query: string): string[] {
  return [...new Set(searchWords(query))].slice(0, SEARCH_TERMS_MAX);
}

/** Whether every term begins one of `text`'s words; false for no terms, which match nothing. */
export function matchesTerms(text: string, terms: readonly string[]): boolean {
  if (terms.length === 0) return false;
  const words = searchWords(text);
  return terms.every((term) => words.some((word) => word.startsWith(term)));
}
