/**
 * The reference most Node users would pick: the same chat on Socket.IO 4 with its rooms. Events
 * `join` and `send` with acknowledgements; broadcasts `message` and `presence` with
 * `io.to(room).emit`, which encodes each packet once per broadcast (socket.io-adapter).
 *
 * Run: `node --import tsx bench/src/servers/socketio-server.ts` (env `PORT`, default a free one);
 * prints `listening at http://127.0.0.1:<port>`.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { ChatRooms, exitWithParent, portFromEnv, type JoinAnswer, type StoredMessage } from "./chat-rooms.js";

interface RoomRequest {
  roomId?: unknown;
  username?: unknown;
  text?: unknown;
}

/** Acknowledgement callback: an answer or an error. */
type Ack<T> = (answer: T | { error: string }) => void;

const chat = new ChatRooms();
const http = createServer();
// Defaults otherwise (no compression, 25 s pings): what a user gets out of the box.
const io = new Server(http, { serveClient: false });

io.on("connection", (socket) => {
  const rooms = new Map<string, string>();
  socket.on("join", (request: RoomRequest, ack: Ack<JoinAnswer>) => {
    const { roomId, username } = request;
    if (typeof roomId !== "string" || typeof username !== "string") return ack({ error: "roomId and username are required" });
    const { answer, arrived } = chat.join(roomId, username);
    // To the room without the joiner (`socket.to`), as ours announces before it subscribes.
    if (arrived) socket.to(roomId).emit("presence", { type: "join", roomId, username });
    rooms.set(roomId, username);
    void socket.join(roomId);
    ack(answer);
  });
  socket.on("send", (request: RoomRequest, ack: Ack<StoredMessage>) => {
    const { roomId, text } = request;
    if (typeof roomId !== "string" || typeof text !== "string") return ack({ error: "roomId and text are required" });
    const username = rooms.get(roomId);
    if (username === undefined) return ack({ error: `join ${roomId} first` });
    const message = chat.publish(roomId, username, text);
    io.to(roomId).emit("message", message);
    ack(message);
  });
  socket.on("disconnect", () => {
    for (const [roomId, username] of rooms) {
      if (chat.leave(roomId, username)) io.to(roomId).emit("presence", { type: "leave", roomId, username });
    }
  });
});

http.listen(portFromEnv(), "127.0.0.1", () => {
  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`listening at http://127.0.0.1:${port}\n`);
});
exitWithParent();
