/** tRPC over WebSocket for `ws`: the transport, and the stream interface it pushes events through. */
export * from "./ws-transport.js";
export * from "./socket-writer.js";
