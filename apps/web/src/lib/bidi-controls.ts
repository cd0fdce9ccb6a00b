/**
 * The bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). Applied, one
 * of them reorders the text after it: "see \u202Efdp.exe" displays as "see exe.pdf". Message texts
 * may contain them, so the app shows each as a marker instead of applying it.
 */

/** One bidi control, as a marker shows it. */
export interface BidiControl {
  /** Its code point as people look it up, e.g. "U+202E". */
  code: string;
  /** Its standard abbreviation, e.g. "RLO". */
  abbreviation: string;
  /** Its Unicode name in words, e.g. "right-to-left override". */
  name: string;
}

/** A run of text without bidi controls, or one control found between such runs. */
export type TextPiece = { kind: "text"; text: string } | { kind: "control"; control: BidiControl };

const table: ReadonlyArray<readonly [point: number, abbreviation: string, name: string]> = [
  [0x202a, "LRE", "left-to-right embedding"],
  [0x202b, "RLE", "right-to-left embedding"],
  [0x202c, "PDF", "pop directional formatting"],
  [0x202d, "LRO", "left-to-right override"],
  [0x202e, "RLO", "right-to-left override"],
  [0x2066, "LRI", "left-to-right isolate"],
  [0x2067, "RLI", "right-to-left isolate"],
  [0x2068, "FSI", "first strong isolate"],
  [0x2069, "PDI", "pop directional isolate"],
];

const byChar = new Map<string, BidiControl>(
  table.map(([point, abbreviation, name]) => [String.fromCodePoint(point), { code: `U+${point.toString(16).toUpperCase()}`, abbreviation, name }]),
);

/** Splits `text` at its bidi controls, leaving none of them in any text piece. */
export function splitBidiControls(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let run = "";
  for (const char of text) {
    const control = byChar.get(char);
    if (control === undefined) {
      run += char;
      continue;
    }
    if (run !== "") pieces.push({ kind: "text", text: run });
    pieces.push({ kind: "control", control });
    run = "";
  }
  if (run !== "") pieces.push({ kind: "text", text: run });
  return pieces;
}
