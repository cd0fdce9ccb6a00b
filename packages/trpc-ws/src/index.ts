/** tRPC over WebSocket for `ws`: a drop-in for tRPC's `applyWSSHandler` that pushes subscription events and bounds each connection's cost. */
export {
  applyWSSHandler,
  getWSConnectionHandler,
  type SlowConsumerReport,
  type TransportOptions,
  type TransportStats,
  type WsTransport,
} from "./ws-transport.js";
export type { BackpressureOptions, SlowConsumerReason } from "./socket-writer.js";
export { isPushStream, type PushStream, type StreamFailure, type StreamListener } from "./push-stream.js";
export { errorDetails, type ErrorDetails } from "./error-details.js";
