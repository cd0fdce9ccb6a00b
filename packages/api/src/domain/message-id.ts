/**
 * Message ids are `<epoch>-<seq>`: `epoch` names the broker instance (its start time), `seq`
 * grows by one per message across all of its rooms. A resuming client's id from another epoch
 * (a restarted process) or from an evicted room's earlier life is then never mistaken for a
 * position in the current history.
 */

/** Builds the id of message `seq` of broker `epoch`. */
export function formatMessageId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** The sequence number of `id` if it belongs to `epoch`, else `null` (unknown or stale). */
export function parseMessageSeq(epoch: string, id: string | null | undefined): number | null {
  if (!id) return null;
  const dash = id.lastIndexOf("-");
  if (dash <= 0 || id.slice(0, dash) !== epoch) return null;
  const digits = id.slice(dash + 1);
  if (!/^[0-9]{1,15}$/.test(digits)) return null;
  return Number(digits);
}

/** A fresh epoch: the start time in base 36, short and increasing across restarts. */
export function newEpoch(now: number): string {
  return now.toString(36);
}
