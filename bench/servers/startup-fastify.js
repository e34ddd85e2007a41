// The start-up floor: a plain fastify + @fastify/websocket server, started with plain `node` (no TypeScript
// loader), listening on PORT like `chatwire run` does. `chatwire run app.ts` is held to the time this takes to accept.
import websocket from "@fastify/websocket";
import Fastify from "fastify";

const app = Fastify({ logger: false });
await app.register(websocket);
app.get("/ws", { websocket: true }, (socket) => {
  socket.on("message", (data) => socket.send(String(data)));
});
await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 0) });
