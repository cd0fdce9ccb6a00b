import { describe, expect, it } from "vitest";
import {
  chatMessageSchema,
  COMBINING_MARKS_MAX,
  joinRoomInputSchema,
  messageTextSchema,
  onMessageInputSchema,
  presenceEventSchema,
  roomIdSchema,
  sendMessageInputSchema,
  usernameSchema,
} from "./schema.js";
import { gapNotice } from "./domain/gap-notice.js";
import { newMessage } from "./domain/message-state.js";

describe("roomIdSchema", () => {
  it("folds a room id to lower case, so General and general are one room", () => {
    expect(roomIdSchema.parse("General")).toBe("general");
    expect(roomIdSchema.parse("LOBBY-2_b")).toBe("lobby-2_b");
  });

  it("accepts letters, digits, underscore and dash from 1 to 32 characters", () => {
    expect(roomIdSchema.parse("a")).toBe("a");
    expect(roomIdSchema.parse("x".repeat(32))).toBe("x".repeat(32));
    expect(roomIdSchema.parse("room_1-b")).toBe("room_1-b");
  });

  it("rejects an empty room id", () => {
    expect(roomIdSchema.safeParse("").success).toBe(false);
  });

  it("rejects a room id of 33 characters", () => {
    expect(roomIdSchema.safeParse("x".repeat(33)).success).toBe(false);
  });

  it.each([
    ["a space", "my room"],
    ["a leading space", " general"],
    ["a dot", "room.1"],
    ["a slash", "a/b"],
    ["an accented letter", "café"],
    ["an emoji", "room🎉"],
    ["a Cyrillic look-alike", "g\u0435neral"],
  ])("rejects a room id containing %s", (_label, roomId) => {
    expect(roomIdSchema.safeParse(roomId).success).toBe(false);
  });

  it("rejects a room id that is not a string", () => {
    expect(roomIdSchema.safeParse(1).success).toBe(false);
  });
});

describe("usernameSchema", () => {
  it("trims surrounding whitespace from a username", () => {
    expect(usernameSchema.parse("  alice \t")).toBe("alice");
  });

  it("keeps case and inner spaces of a username", () => {
    expect(usernameSchema.parse("Alice Liddell")).toBe("Alice Liddell");
  });

  it("rejects a username that is empty or only whitespace", () => {
    expect(usernameSchema.safeParse("").success).toBe(false);
    expect(usernameSchema.safeParse("   ").success).toBe(false);
  });

  it("accepts 32 characters and rejects 33", () => {
    expect(usernameSchema.parse("a".repeat(32))).toBe("a".repeat(32));
    expect(usernameSchema.safeParse("a".repeat(33)).success).toBe(false);
  });

  it("counts the length after trimming", () => {
    const name = `  ${"b".repeat(32)}  `;
    expect(usernameSchema.parse(name)).toBe("b".repeat(32));
  });

  it("counts an emoji as one character, so 32 emoji are a valid name and 33 are not", () => {
    // Each of these is two UTF-16 code units: 32 of them are 64 units but 32 code points.
    expect(usernameSchema.parse("😀".repeat(32))).toBe("😀".repeat(32));
    expect(usernameSchema.safeParse("😀".repeat(33)).success).toBe(false);
  });

  it.each([
    ["NUL (C0)", "\u0000"],
    ["BEL (C0)", "\u0007"],
    ["ESC (C0)", "\u001b"],
    ["unit separator (C0)", "\u001f"],
    ["DEL", "\u007f"],
    ["the first C1 control", "\u0080"],
    ["NEL (C1)", "\u0085"],
    ["APC (C1)", "\u009f"],
  ])("rejects a username containing %s", (_label, control) => {
    expect(usernameSchema.safeParse(`ali${control}ce`).success).toBe(false);
    expect(usernameSchema.safeParse(`${control}alice`).success).toBe(false);
  });

  it.each([
    ["LEFT-TO-RIGHT EMBEDDING", "\u202a"],
    ["RIGHT-TO-LEFT EMBEDDING", "\u202b"],
    ["POP DIRECTIONAL FORMATTING", "\u202c"],
    ["LEFT-TO-RIGHT OVERRIDE", "\u202d"],
    ["RIGHT-TO-LEFT OVERRIDE", "\u202e"],
    ["LEFT-TO-RIGHT ISOLATE", "\u2066"],
    ["RIGHT-TO-LEFT ISOLATE", "\u2067"],
    ["FIRST STRONG ISOLATE", "\u2068"],
    ["POP DIRECTIONAL ISOLATE", "\u2069"],
    ["LEFT-TO-RIGHT MARK", "\u200e"],
    ["RIGHT-TO-LEFT MARK", "\u200f"],
    ["ARABIC LETTER MARK", "\u061c"],
    ["ZERO WIDTH SPACE", "\u200b"],
    ["ZERO WIDTH NON-JOINER", "\u200c"],
    ["ZERO WIDTH JOINER", "\u200d"],
    ["WORD JOINER", "\u2060"],
    ["ZERO WIDTH NO-BREAK SPACE (BOM)", "\ufeff"],
    ["LINE SEPARATOR", "\u2028"],
    ["PARAGRAPH SEPARATOR", "\u2029"],
  ])("refuses a username containing %s, which makes look-alike names, with a clear message", (_label, invisible) => {
    const result = usernameSchema.safeParse(`ali${invisible}ce`);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      "Username must not contain invisible or text-direction characters (such as zero-width spaces or bidi controls).",
    ]);
  });

  it("accepts the visible characters next to the refused ones (a semicolon, a hyphen, spaces)", () => {
    for (const neighbour of ["\u061b", "\u200a", "\u2010", "\u2027", "\u202f", "\u205f"]) {
      expect(usernameSchema.safeParse(`ali${neighbour}ce`).success).toBe(true);
    }
  });

  it("accepts the characters just outside the control ranges", () => {
    expect(usernameSchema.parse("a b")).toBe("a b");
    expect(usernameSchema.parse("a~b")).toBe("a~b");
    expect(usernameSchema.parse("a\u00a0b")).toBe("a\u00a0b");
    expect(usernameSchema.parse("Zoë")).toBe("Zoë");
  });
});

describe("messageTextSchema", () => {
  it("trims surrounding whitespace from a message and keeps inner newlines", () => {
    expect(messageTextSchema.parse("\n  hello\nworld  \n")).toBe("hello\nworld");
  });

  it("rejects a message that is empty after trimming", () => {
    expect(messageTextSchema.safeParse("").success).toBe(false);
    expect(messageTextSchema.safeParse(" \n\t ").success).toBe(false);
  });

  it("accepts 2,000 characters and rejects 2,001", () => {
    expect(messageTextSchema.parse("x".repeat(2000))).toHaveLength(2000);
    expect(messageTextSchema.safeParse("x".repeat(2001)).success).toBe(false);
  });

  it("counts the 2,000 characters after trimming", () => {
    expect(messageTextSchema.parse(`   ${"x".repeat(2000)}   `)).toBe("x".repeat(2000));
  });

  it("keeps invisible and text-direction characters in a message, where they have legitimate uses", () => {
    const text = "\u202bשלום\u202c, a\u200db, zero\u200bwidth, \u2066isolated\u2069";
    expect(messageTextSchema.parse(text)).toBe(text);
  });

  it("counts emoji as one character each towards the 2,000", () => {
    expect(messageTextSchema.safeParse("🎉".repeat(2000)).success).toBe(true);
    expect(messageTextSchema.safeParse("🎉".repeat(2001)).success).toBe(false);
  });
});

describe("combining marks", () => {
  // Each at most COMBINING_MARKS_MAX marks on one character, as people write them.
  const realTexts = [
    ["Vietnamese, decomposed (2 marks on a letter)", "Tiếng Việt có dấu".normalize("NFD")],
    ["Hebrew with points and cantillation (Genesis 1:1)", "בְּרֵאשִׁ֖ית בָּרָ֣א אֱלֹהִ֑ים אֵ֥ת הַשָּׁמַ֖יִם וְאֵ֥ת הָאָֽרֶץ׃"],
    ["Hebrew whose shin carries 5 marks, the most in the Hebrew Bible (Psalm 89:48)", "זְכָר־אֲנִ֥י מֶה־חָ֑לֶד עַל־מַה־שָּׁ֝֗וְא בָּרָ֥אתָ כָל־בְּנֵי־אָדָֽם׃"],
    ["Arabic with full Quranic marks, 4 on one letter (Quran 18:50)", "وَهُمۡ لَكُمۡ عَدُوُّۢۚ"],
    ["Thai with vowel and tone marks", "ผู้ใหญ่บ้านกี่ครั้งแล้ว"],
    ["Devanagari conjuncts and Vedic accents", "क्षत्रिय स्त्री राष्ट्र कार्त्स्न्यं अ॒ग्निमी॑ळे"],
    ["Bengali conjuncts, one with a zero-width joiner", "ক্ষমা স্বাস্থ্য যুক্তরাষ্ট্র র‍্যাব"],
    ["Tibetan stacks and Sanskrit seed syllables", "བསྒྲུབས་ ཧྲཱིཿ ཨོཾ་མ་ཎི་པདྨེ་ཧཱུྃ"],
    ["emoji with skin tones and zero-width-joiner sequences", "👍🏽 👩🏽‍💻 👨‍👩‍👧‍👦 🏳️‍⚧️ 🏌️‍♀️"],
    ["keycaps", "1️⃣ #️⃣ *️⃣"],
    ["flags, including a tag sequence", "🇫🇷 🇯🇵 🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
  ] as const;
  /** `letters`, each under `perLetter` marks, as a Zalgo generator makes them. */
  const zalgo = (letters: string, perLetter: number): string =>
    [...letters]
      .map((letter, index) => {
        const stack = Array.from({ length: perLetter }, (_, mark) => 0x300 + ((index * perLetter + mark) % 0x70));
        return letter + String.fromCodePoint(...stack);
      })
      .join("");
  const marks = (count: number): string => "\u0301".repeat(count);

  it.each(realTexts)("accepts a message in %s", (_label, text) => {
    expect(messageTextSchema.parse(text)).toBe(text);
  });

  it("refuses a Zalgo message with a sentence naming the limit", () => {
    const result = messageTextSchema.safeParse(`hello ${zalgo("zalgo", 20)}`);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      `Message must have at most ${COMBINING_MARKS_MAX} accents or other marks on one character.`,
    ]);
  });

  it("accepts the limit of marks on one character and refuses one more", () => {
    expect(messageTextSchema.safeParse(`e${marks(COMBINING_MARKS_MAX)}`).success).toBe(true);
    expect(messageTextSchema.safeParse(`e${marks(COMBINING_MARKS_MAX + 1)}`).success).toBe(false);
  });

  it("counts marks per character, so many accented letters in a row are fine", () => {
    expect(messageTextSchema.safeParse(`e${marks(COMBINING_MARKS_MAX)}`.repeat(300)).success).toBe(true);
  });

  it("keeps counting across joiners and other invisible characters, which keep the marks on one character", () => {
    for (const invisible of ["\u200d", "\u200c", "\u2060", "\u{e0041}"]) {
      expect(messageTextSchema.safeParse(`e${marks(3)}${invisible}${marks(3)}`).success).toBe(false);
    }
  });

  // Usernames refuse joiners, so no zero-width-joiner sequences here.
  it.each([
    ["Vietnamese, decomposed", "Nguyễn Thị Hương".normalize("NFD")],
    ["Hebrew with points and cantillation", "שָּׁ֝֗וְא"],
    ["Arabic with Quranic marks", "عَدُوُّۢۚ"],
    ["Thai", "ผู้ใหญ่"],
    ["Devanagari", "क्षत्रिय"],
    ["Bengali", "স্বাস্থ্য"],
    ["Tibetan", "བསྒྲུབས་ཧྲཱིཿ"],
    ["emoji with a skin tone, a keycap and a flag", "👍🏽1️⃣🇫🇷"],
  ])("accepts a username in %s", (_label, name) => {
    expect(usernameSchema.parse(name)).toBe(name);
  });

  it("refuses a Zalgo username with a sentence naming the limit", () => {
    expect(usernameSchema.safeParse(zalgo("zal", 9)).error?.issues.map((issue) => issue.message)).toEqual([
      `Username must have at most ${COMBINING_MARKS_MAX} accents or other marks on one character.`,
    ]);
  });
});

describe("procedure inputs", () => {
  it("folds the room id and trims the name of a join", () => {
    expect(joinRoomInputSchema.parse({ roomId: "General", username: " alice " })).toEqual({
      roomId: "general",
      username: "alice",
    });
  });

  it("rejects a send without text", () => {
    expect(sendMessageInputSchema.safeParse({ roomId: "general" }).success).toBe(false);
  });

  it("accepts an onMessage input with a lastEventId string, null, or none", () => {
    expect(onMessageInputSchema.parse({ roomId: "General", lastEventId: "abc-12" })).toEqual({
      roomId: "general",
      lastEventId: "abc-12",
    });
    expect(onMessageInputSchema.parse({ roomId: "general", lastEventId: null })).toEqual({
      roomId: "general",
      lastEventId: null,
    });
    expect(onMessageInputSchema.parse({ roomId: "general" })).toEqual({ roomId: "general" });
  });

  it("rejects an onMessage input whose lastEventId is not a string", () => {
    expect(onMessageInputSchema.safeParse({ roomId: "general", lastEventId: 12 }).success).toBe(false);
  });
});

describe("output shapes", () => {
  it("describes a chat message whose sentAt is a Date", () => {
    const message = newMessage({ id: "k-1", roomId: "general", kind: "system", username: "alice", text: "alice joined", sentAt: new Date(0) });
    expect(chatMessageSchema.parse(message)).toEqual(message);
    expect(chatMessageSchema.safeParse({ ...message, sentAt: "1970-01-01T00:00:00.000Z" }).success).toBe(false);
    expect(chatMessageSchema.safeParse({ ...message, kind: "bot" }).success).toBe(false);
  });

  it("describes a gap notice, whose empty username is allowed only as no author", () => {
    const notice = gapNotice("general", "k-0", new Date(0));
    expect(chatMessageSchema.parse(notice)).toEqual(notice);
    expect(chatMessageSchema.safeParse({ ...notice, username: " " }).success).toBe(false);
  });

  it("tells a presence snapshot from a join or leave delta", () => {
    expect(presenceEventSchema.parse({ type: "snapshot", roomId: "r", members: [{ username: "a" }] })).toEqual({
      type: "snapshot",
      roomId: "r",
      members: [{ username: "a" }],
    });
    expect(presenceEventSchema.parse({ type: "leave", roomId: "r", username: "a" })).toEqual({
      type: "leave",
      roomId: "r",
      username: "a",
    });
    expect(presenceEventSchema.safeParse({ type: "join", roomId: "r", members: [] }).success).toBe(false);
  });

  it("accepts a typing signal with the typist's name, and refuses one without it", () => {
    expect(presenceEventSchema.parse({ type: "typing", roomId: "r", username: "a" })).toEqual({
      type: "typing",
      roomId: "r",
      username: "a",
    });
    expect(presenceEventSchema.safeParse({ type: "typing", roomId: "r" }).success).toBe(false);
  });
});
