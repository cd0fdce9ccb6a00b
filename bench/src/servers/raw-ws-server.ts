/**
 * The baseline: the chat on a bare `ws` server, as lean as Node + `ws` gets. Each room message
 * is serialised with one `JSON.stringify` per broadcast and the same string is sent to every
 * socket in the room, so what it costs per delivery is `ws`'s framing and the kernel's write.
 *
 * Wire (JSON text frames): the client sends `{t:"join",roomId,username}` and
 * `{t:"send",roomId,text}`; the server answers `{t:"joined",…}` and `{t:"sent",message}`, and
 * broadcasts `{t:"message",message}` and `{t:"presence",event}`.
 *
 * Run: `node --import tsx bench/src/servers/raw-ws-server.ts` (env `PORT`, default a free one);
 * prints `listening at http://127.0.0.1:<port>`.
 */
import { type WebSocket, WebSocketServer } from "ws";
import { ChatRooms, exitWithParent, portFromEnv } from "./chat-rooms.js";

interface Request {
  t?: unknown;
  roomId?: unknown;
  username?: unknown;
  text?: unknown;
}

const chat = new ChatRooms();
/** The sockets of each room: the broadcast list. */
const sockets = new Map<string, Set<WebSocket>>();
/** The rooms of each socket, with its name there. */
const joined = new Map<WebSocket, Map<string, string>>();

function broadcast(roomId: string, frame: string): void {
  const members = sockets.get(roomId);
  if (!members) return;
  for (const socket of members) socket.send(frame);
}

function onRequest(socket: WebSocket, rooms: Map<string, string>, request: Request): void {
  const { t, roomId } = request;
  if (typeof roomId !== "string") return socket.send(JSON.stringify({ t: "error", message: "roomId is required" }));
  if (t === "join" && typeof request.username === "string") {
    const { answer, arrived } = chat.join(roomId, request.username);
    // Announced before the joiner is added, as ours does: it learns the members from its answer.
    if (arrived) broadcast(roomId, JSON.stringify({ t: "presence", event: { type: "join", roomId, username: request.username } }));
    rooms.set(roomId, request.username);
    let members = sockets.get(roomId);
    if (!members) sockets.set(roomId, (members = new Set()));
    members.add(socket);
    socket.send(JSON.stringify({ t: "joined", ...answer }));
  } else if (t === "send" && typeof request.text === "string") {
    const username = rooms.get(roomId);
    if (username === undefined) return socket.send(JSON.stringify({ t: "error", message: `join ${roomId} first` }));
    const message = chat.publish(roomId, username, request.text);
    // The point of the baseline: one stringify, then the same string to every socket.
    broadcast(roomId, JSON.stringify({ t: "message", message }));
    socket.send(JSON.stringify({ t: "sent", message }));
  }
}

const wss = new WebSocketServer({ host: "127.0.0.1", port: portFromEnv() });
wss.on("connection", (socket) => {
  const rooms = new Map<string, string>();
  joined.set(socket, rooms);
  socket.on("message", (data) => {
    let request: Request;
    try {
      request = JSON.parse(String(data)) as Request;
    } catch {
      return socket.close(1003, "not JSON");
    }
    onRequest(socket, rooms, request);
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    joined.delete(socket);
    for (const [roomId, username] of rooms) {
      sockets.get(roomId)?.delete(socket);
      if (chat.leave(roomId, username)) broadcast(roomId, JSON.stringify({ t: "presence", event: { type: "leave", roomId, username } }));
    }
  });
});
wss.on("listening", () => {
  const address = wss.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`listening at http://127.0.0.1:${port}\n`);
});
exitWithParent();
