// socket.io 4, the transport of the most popular Python framework of this kind: every frame is a "frame" event
// (socket.io does the JSON), answering with the same frames as the floor.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { announceReady, benchPort } from "./control.ts";
import { answer, type Conversation, welcome } from "./frames.ts";

const http = createServer();
const io = new Server(http, { serveClient: false, transports: ["websocket"] });

io.on("connection", (socket) => {
  const conversation: Conversation = { seq: 0 };
  const send = (frame: object) => socket.emit("frame", frame);
  socket.on("frame", (frame: { type: string; content?: string }) => {
    if (frame.type === "hello") send(welcome());
    else if (frame.type === "user_message") void answer(conversation, frame.content ?? "", send);
  });
});

http.listen(benchPort(), "127.0.0.1", () => {
  const address = http.address();
  announceReady(typeof address === "object" && address !== null ? address.port : 0);
});
