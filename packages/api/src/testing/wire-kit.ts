/**
 * `@chat/api/wire-kit`: the one way tests and the bench speak tRPC's WebSocket protocol on raw
 * sockets, typed with `@trpc/server/rpc`: frames (`wire-frames.ts`) and a client on them
 * (`wire-client.ts`). No vitest and no `ws` at run time, so the bench's load generator uses it too.
 */
export { decodeIncoming, decodeOutgoing, encodeFrame, isHeartbeat, outcomeOf, type WireErrorData, type WireIncoming, type WireMethod, wireRequest } from "./wire-frames.js";
export { type WireClient, wireClient, WireError, type WireSocket, type WireSubscription } from "./wire-client.js";
