const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "2 min ago", "3 h ago", then a short date: coarse on purpose, because the exact
 * time is one hover away (see `formatExactTime`). A future date (a fast server clock) reads as
 * "just now" rather than a negative age.
 */
export function formatRelativeTime(date: Date, now: number, locale?: string): string {
  const age = now - date.getTime();
  if (age < MINUTE) return "just now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min ago`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h ago`;
  return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(date);
}

/** The full date and time to the second, for a `title` tooltip. */
export function formatExactTime(date: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}
