/**
 * What this transport knows of a failure beyond tRPC's `onError` report: which of the connection's
 * frames the request came in (so a rate limiter can tell a retry sent after a refusal from one
 * sent before it), and whether the error is the socket's own. Kept beside the report rather than
 * in `onError`'s type, so the options stay exactly tRPC's.
 */

/** The details of one `onError` report. */
export interface ErrorDetails {
  /** The frame of the connection the request came in (1 for the first), 0 for none. */
  frame: number;
  /** How many frames the connection had received when the failure was reported. */
  framesReceived: number;
  /** Whether the error is the socket's own (a frame `ws` refused, which closes it), not a request's. */
  fromSocket: boolean;
}

/** Reports this transport made, and their details; weak, so a report is forgotten with its last reader. */
const details = new WeakMap<object, ErrorDetails>();

/** Records the details of a report about to be given to `onError`. */
export function recordErrorDetails(info: object, errorDetails: ErrorDetails): void {
  details.set(info, errorDetails);
}

/** The details of a report this transport gave `onError`; undefined for any other object (tRPC's adapter's reports). */
export function errorDetails(info: object): ErrorDetails | undefined {
  return details.get(info);
}
