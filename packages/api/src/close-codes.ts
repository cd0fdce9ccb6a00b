/**
 * Every WebSocket close code the chat closes a connection with, or that a client sees when the
 * server cuts one, in one place: the server sends them, and the client, the web app and the tests
 * read them from here. No imports, so a browser or a bot can import it without server code.
 * Codes 1000–2999 are the protocol's own (RFC 6455 §7.4.1); 4000–4999 are for applications
 * (§7.4.2).
 */

/**
 * 1001 "going away": a shutdown closes every socket with it. 1012 "service restart" would promise
 * a restart that a plain SIGTERM does not; 1001 only says this endpoint is leaving, and the tRPC
 * client reconnects on either.
 */
export const SHUTDOWN_CLOSE_CODE = 1001;

/** The close reason sent with `SHUTDOWN_CLOSE_CODE`. */
export const SHUTDOWN_CLOSE_REASON = "Server shutting down";

/**
 * 1006 "abnormal closure": never sent, but what a client sees when the server cuts the TCP
 * connection without a close frame (a missed heartbeat, or a slow consumer that did not even take
 * its close frame in time).
 */
export const CONNECTION_CUT_CLOSE_CODE = 1006;

/** 1007 "invalid frame payload data": a text frame that is not UTF-8 (sent by `ws`). */
export const INVALID_PAYLOAD_CLOSE_CODE = 1007;

/**
 * 1008 "policy violation": a connection that keeps calling before a wait it was told is over (a
 * flooder), and one that splits a message into too many fragments or chunks (sent by `ws`).
 */
export const FLOOD_CLOSE_CODE = 1008;

/** The close reason sent with `FLOOD_CLOSE_CODE` when a flooder is cut off. */
export const FLOOD_CLOSE_REASON = "rate limit exceeded";

/** 1009 "message too big": a frame over the server's 64 KiB limit (sent by `ws`, from `maxPayload`). */
export const FRAME_TOO_BIG_CLOSE_CODE = 1009;

/**
 * 4008 "slow consumer": a connection that left too much unsent or did not drain in time. It
 * mirrors HTTP 408, "you took too long", and tells a client that reconnecting (and resuming from
 * its last event id) is the right response.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** The close reason sent with `SLOW_CONSUMER_CLOSE_CODE`. */
export const SLOW_CONSUMER_CLOSE_REASON = "slow consumer";

/**
 * 4001 "token expired": the sign-in token a connection was opened with ran out (HTTP's 401,
 * "unauthorized", in the application range). The client reconnects, and fetches a fresh token as
 * it does (`connectionParams` is called again).
 */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;

/** The close reason sent with `TOKEN_EXPIRED_CLOSE_CODE`. */
export const TOKEN_EXPIRED_CLOSE_REASON = "token expired";
