import { describe, expect, it } from "vitest";
import { splitBidiControls, type TextPiece } from "./bidi-controls";

/** The pieces as "text" strings and "<ABBR U+XXXX name>" markers, for short expectations. */
function show(pieces: TextPiece[]): string[] {
  return pieces.map((piece) => (piece.kind === "text" ? piece.text : `<${piece.control.abbreviation} ${piece.control.code} ${piece.control.name}>`));
}

describe("splitBidiControls", () => {
  it("takes the right-to-left override out of the text and names it, keeping the text after it in logical order", () => {
    expect(show(splitBidiControls("see \u202efdp.exe"))).toEqual(["see ", "<RLO U+202E right-to-left override>", "fdp.exe"]);
  });

  it("names each of the nine embedding, override and isolate controls", () => {
    const all = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
    expect(show(splitBidiControls(all))).toEqual([
      "<LRE U+202A left-to-right embedding>",
      "<RLE U+202B right-to-left embedding>",
      "<PDF U+202C pop directional formatting>",
      "<LRO U+202D left-to-right override>",
      "<RLO U+202E right-to-left override>",
      "<LRI U+2066 left-to-right isolate>",
      "<RLI U+2067 right-to-left isolate>",
      "<FSI U+2068 first strong isolate>",
      "<PDI U+2069 pop directional isolate>",
    ]);
  });

  it("leaves text without controls whole, right-to-left text and direction marks included", () => {
    expect(show(splitBidiControls("שלום \u200fعالم\u200e 👩🏽‍💻"))).toEqual(["שלום \u200fعالم\u200e 👩🏽‍💻"]);
    expect(splitBidiControls("")).toEqual([]);
  });

  it("keeps no control character in any text piece", () => {
    const pieces = splitBidiControls("\u2067a\u202eb\u202cc\u2069");
    const texts = pieces.flatMap((piece) => (piece.kind === "text" ? [piece.text] : []));
    expect(texts).toEqual(["a", "b", "c"]);
    expect(texts.join("")).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/u);
  });
});
