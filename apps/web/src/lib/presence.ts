import type { PresenceEvent } from "@chat/client";

const byName = (a: string, b: string): number => a.localeCompare(b, undefined, { sensitivity: "base" });

/** The presence events that change who is in the room (a `typing` signal does not). */
export type MembershipEvent = Exclude<PresenceEvent, { type: "typing" }>;

/** The member names after `event`: a snapshot replaces the list, a join or leave edits it; sorted by name. */
export function applyPresence(members: readonly string[], event: MembershipEvent): string[] {
  switch (event.type) {
    case "snapshot":
      return [...new Set(event.members.map((member) => member.username))].sort(byName);
    case "join":
      return members.includes(event.username) ? [...members] : [...members, event.username].sort(byName);
    case "leave":
      return members.filter((name) => name !== event.username);
  }
}
