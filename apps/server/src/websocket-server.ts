/**
 * The WebSocket server under the transport, and how much one client may make it hold while a
 * message arrives.
 */
import { WebSocketServer } from "ws";

/** Largest accepted frame; a bigger one closes its connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Most frames one message may arrive in; past it the connection is closed with 1008 (`ws`'s
 * code for it). Browsers never fragment what they send, and libraries that do use fragments of
 * kilobytes, so a 64 KiB message needs a handful; 256 still allows 256-byte fragments. `ws`'s
 * default (16,384) would let one message of 1-byte fragments cost 16,384 buffers.
 */
export const MAX_FRAGMENTS = 256;
/**
 * Most unparsed TCP chunks `ws` holds for one connection while a frame is incomplete; past it,
 * 1008. A sender with Nagle's algorithm never sends tiny segments while data is waiting, so a
 * full 64 KiB frame arrives in well under a hundred chunks; 1,024 leaves room for slow links
 * and still stops a client that trickles a frame a byte at a time to make the server keep one
 * buffer object per byte (`ws`'s default allows 262,144).
 */
export const MAX_BUFFERED_CHUNKS = 1024;

/** A WebSocket server that opens only the upgrades handed to it (`handleUpgrade`), within the limits above. */
export function createWebSocketServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    maxFragments: MAX_FRAGMENTS,
    maxBufferedChunks: MAX_BUFFERED_CHUNKS,
    // Compression lets a small frame inflate to a large message and costs memory per socket.
    perMessageDeflate: false,
  });
}
