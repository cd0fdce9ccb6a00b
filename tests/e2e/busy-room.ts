/**
 * A busy room that reads like a real conversation, for the layout checks and their screenshots:
 * four friends plan a weekend at a lake over 45 minutes and invite a fifth near the end; the
 * reader ("alex") also has a second room with an unread message. Times come from a manual
 * clock, so grouping (same author, same minute) and the shown ages are the same on every run.
 */
import { ManualClock } from "@chat/api";
import { type Chatter, chatter } from "../fixtures/browser-app.js";
import type { TestServer } from "../fixtures/test-server.js";

/** The name the reader joins with in the browser; the script's "alex" lines show as their own. */
export const READER = "alex";

/** One line of the script: who says what, at minute:second after the start, perhaps in reply to an earlier line. */
type Line = readonly [at: string, who: string, text: string, replyTo?: string];

/** `who` joins the room at `at` (a system line), instead of saying something. */
const JOINS = "joins";

// 60 messages from five people over 45 minutes. The end, which the screenshots show, has the
// latecomer's join line, a question and a long reply, and one person's run of lines.
const script: readonly Line[] = [
  ["00:05", "maya", "Morning all! Are we still on for the lake this weekend?"],
  ["00:40", "jonas", "Yes! I've been looking forward to it all week."],
  ["01:10", "priya", "I'm in, but I can only leave after lunch on Saturday."],
  ["01:25", "priya", "Work thing in the morning, sorry."],
  ["02:02", "maya", "No problem, we can all go after lunch then."],
  ["02:30", "alex", "Works for me. Who's driving?"],
  ["03:05", "jonas", "I can take the van, it fits six with the bags."],
  ["03:20", "jonas", "Just need someone to help with fuel."],
  ["03:41", "maya", "I'll chip in for fuel."],
  ["04:15", "priya", "Same here."],
  ["05:02", "maya", "What's the weather looking like?"],
  [
    "05:30",
    "jonas",
    "Sunny on Saturday, some rain on Sunday afternoon. We should start the ridge walk early on Sunday so we're back before it turns.",
  ],
  ["06:10", "priya", "Good call."],
  ["07:00", "maya", "Okay, rough plan:"],
  ["07:08", "maya", "Saturday: leave at 1, arrive around 3, set up camp, swim if it's warm."],
  ["07:15", "maya", "Sunday: ridge walk at 8, lunch at the hut, back at the van by 2."],
  ["07:50", "alex", "Love it."],
  ["08:30", "jonas", "Do we need to book the campsite, or is it first come, first served?"],
  ["09:10", "maya", "It's bookable online. I'll do it tonight."],
  ["09:45", "priya", "Can we bring a dog? My sister might lend me Biscuit for the weekend."],
  ["10:20", "maya", "Dogs are allowed on a lead, I checked last year."],
  ["10:31", "jonas", "Biscuit!!"],
  ["11:05", "priya", "Ha, I'll ask her."],
  ["12:40", "jonas", "Food: I'm happy to do the barbecue on Saturday night."],
  ["12:52", "jonas", "Veggie options too, obviously."],
  ["13:30", "priya", "I can bring breakfast: oats, fruit, coffee."],
  ["14:02", "alex", "I'll bring snacks for the walk and the big first-aid kit."],
  ["14:45", "maya", "Perfect. I have two tents; does anyone have a third?"],
  ["15:20", "jonas", "Mine has a broken pole, so no."],
  ["15:58", "priya", "I'll ask around at work."],
  ["16:30", "priya", "Oh, and who has a camping stove?"],
  ["17:05", "maya", "Me, with enough gas for two days."],
  ["18:10", "maya", "Booked! Pitch 14, right by the water."],
  ["18:25", "maya", "Check-in from 2 pm, quiet hours after 10."],
  ["18:50", "jonas", "Nice one"],
  ["19:30", "alex", "Should I bring the big cool box?"],
  ["20:05", "jonas", "Yes please, it fits in the van."],
  ["21:00", "jonas", "Adding to the plan: cash for the hut, they don't take cards."],
  ["23:00", "maya", "Music for the drive? I'll make a playlist if you send me songs."],
  ["23:35", "jonas", "Only if we're allowed one singalong."],
  ["24:10", "priya", "Just one?"],
  ["27:45", "maya", "Update: Sunday's forecast got better, the rain now only starts in the evening."],
  ["28:20", "alex", "Great news."],
  ["30:00", "jonas", "Fuel is about 40 for the round trip, so 8 each."],
  ["30:30", "maya", "Sounds fair."],
  ["33:10", "priya", "Biscuit is confirmed! My sister says he's very excited."],
  ["33:40", "jonas", "Best news of the day."],
  ["35:30", "priya", "Still no third tent, nobody at work has one."],
  ["38:40", "alex", "Should we ask Sam? He was asking about hiking last week, and I think he has a tent."],
  ["39:05", "maya", "Good idea, I'll send him the link."],
  ["39:30", "sam", JOINS],
  ["40:02", "sam", "Hey everyone! Thanks for the invite."],
  ["40:15", "sam", "Just scrolled up. Count me in, and yes, I can bring my tent."],
  ["40:40", "sam", "Is the ridge walk hard? I haven't hiked much since last summer."],
  [
    "41:20",
    "jonas",
    "It's about 14 km with one steep bit near the top, but we'll take it slow and there are plenty of good views to stop for.",
  ],
  ["42:30", "priya", "Packing list, so nobody forgets anything:"],
  ["42:38", "priya", "sleeping bag, mat, head torch, rain jacket, water bottle, sun cream, swimming things"],
  ["42:45", "priya", "and warm layers, it gets cold by the lake at night."],
  ["43:20", "alex", "Does anyone have a spare head torch? Mine died."],
  ["43:50", "sam", "I have two, I'll bring one for you.", "Does anyone have a spare head torch? Mine died."],
  ["44:05", "alex", "Thanks! Can't wait for Saturday."],
];

/** Reactions after the script: to which line, with what, by whom (in order). */
const reactions: readonly (readonly [line: string, emoji: string, who: readonly string[]])[] = [
  ["It's about 14 km with one steep bit near the top, but we'll take it slow and there are plenty of good views to stop for.", "👍", ["sam", "priya"]],
  ["I have two, I'll bring one for you.", "🙏", [READER]],
  ["Thanks! Can't wait for Saturday.", "🎉", ["maya", "jonas", "sam"]],
];

/** The last change to the room: a line corrected by its author. Once the reader sees it, the room is complete. */
const correction = {
  who: "priya",
  line: "and warm layers, it gets cold by the lake at night.",
  text: "and warm layers, it gets cold by the lake at night!",
} as const;

/** The last line of the conversation. */
export const LAST_LINE: string = script.at(-1)?.[2] ?? "";

/** The text of the line corrected last, as the reader sees it once the room is complete. */
export const EDITED_LINE: string = correction.text;

/** What the other room gets while the reader is in the busy one. */
export const UNREAD_LINE = "Could someone look at the new logo sketches before Friday?";

/** How long the script spans, so its start can be put that far in the past. */
const SPAN_MS = 46 * 60_000;

/** A manual clock set so the script ends about now, on a whole minute (minutes decide grouping). */
export function clockForBusyRoom(): ManualClock {
  return new ManualClock(Math.floor((Date.now() - SPAN_MS) / 60_000) * 60_000);
}

/** "mm:ss" in milliseconds. */
function offsetMs(at: string): number {
  const [minutes = 0, seconds = 0] = at.split(":").map(Number);
  return (minutes * 60 + seconds) * 1_000;
}

/**
 * Plays the script into `room` through typed clients, moving `clock` to each line's time, then
 * says `UNREAD_LINE` in `otherRoom`. The reader must already have joined both rooms in the
 * browser, whose guest secret is `readerIdentity`: the reader's lines come from the same person.
 */
export async function playBusyRoom(server: TestServer, clock: ManualClock, room: string, otherRoom: string, readerIdentity: string): Promise<void> {
  const start = clock.now();
  const people = new Map<string, Chatter>();
  // Everyone but the latecomer is there from the start; the reader's lines come from a second
  // connection under the reader's name, so the browser shows them as its own.
  for (const name of ["maya", "jonas", "priya", READER]) {
    people.set(name, await chatter(server, name, [room], name === READER ? readerIdentity : undefined));
  }
  const ids = new Map<string, string>();
  const idOf = (text: string): string => {
    const id = ids.get(text);
    if (id === undefined) throw new Error(`No line says ${JSON.stringify(text)}`);
    return id;
  };
  const personNamed = (who: string): Chatter => {
    const person = people.get(who);
    if (person === undefined) throw new Error(`${who} is not in the room`);
    return person;
  };
  for (const [at, who, text, replyTo] of script) {
    clock.advance(start + offsetMs(at) - clock.now());
    if (text === JOINS) {
      people.set(who, await chatter(server, who, [room]));
      continue;
    }
    ids.set(text, await personNamed(who).say(room, text, replyTo === undefined ? undefined : idOf(replyTo)));
  }
  for (const [line, emoji, who] of reactions) {
    for (const name of who) await personNamed(name).react(room, idOf(line), emoji);
  }
  await personNamed(correction.who).edit(room, idOf(correction.line), correction.text);
  const colleague = personNamed("jonas");
  await colleague.join(otherRoom);
  await colleague.say(otherRoom, UNREAD_LINE);
}
