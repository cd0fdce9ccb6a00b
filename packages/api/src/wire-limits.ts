/**
 * Limits of the wire that the client library obeys as well as the server, in a module of their
 * own so the client takes them without the schemas (and zod) in its runtime.
 */

/**
 * The most requests one WebSocket frame (a tRPC batch) may carry: the server answers each one past
 * it with `TOO_MANY_REQUESTS` instead of running it, and the client library splits its batches
 * to stay under it.
 */
export const REQUESTS_PER_FRAME_MAX = 20;

/**
 * The longest string id a request may have: the server echoes it in every answer and event of the
 * request, so a long one would cost memory for a subscription's life and bytes in each event.
 */
export const REQUEST_ID_MAX_LENGTH = 64;
