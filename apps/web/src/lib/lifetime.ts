const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * How long something lasts from `now` until `until`, in whole days or hours ("7 days", "5 hours"),
 * for sentences like "it works for 7 days". Read from the server's expiry rather than assumed, and
 * rounded down, so the page does not promise more than the server keeps; an hour's slack lets the
 * round trip and a slightly skewed clock still read "7 days", and a past date (a badly skewed
 * clock) reads as "less than an hour" rather than a negative time.
 */
export function formatLifetime(until: Date, now: number): string {
  const left = until.getTime() - now;
  const days = Math.floor((left + HOUR) / DAY);
  if (days >= 1) return days === 1 ? "1 day" : `${days} days`;
  const hours = Math.round(left / HOUR);
  if (hours >= 1) return hours === 1 ? "1 hour" : `${hours} hours`;
  return "less than an hour";
}
