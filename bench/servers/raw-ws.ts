// The unbatched floor, a reference column: a bare `ws` server that parses each frame and answers with one `send`
// (one write) per frame. The floor the targets are held to batches its writes as chatwire does (raw-ws-batched.ts).
import { WebSocketServer } from "ws";
import { announceReady, benchPort } from "./control.ts";
import { answer, type Conversation, welcome } from "./frames.ts";

const server = new WebSocketServer({ host: "127.0.0.1", port: benchPort() }, () => {
  const address = server.address();
  announceReady(typeof address === "object" && address !== null ? address.port : 0);
});

server.on("connection", (socket) => {
  const conversation: Conversation = { seq: 0 };
  const send = (frame: object) => socket.send(JSON.stringify(frame));
  socket.on("message", (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(String(data)) as { type: string; content?: string };
    if (frame.type === "hello") send(welcome());
    else if (frame.type === "user_message") void answer(conversation, frame.content ?? "", send);
  });
});
