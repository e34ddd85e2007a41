// Lets go of what the HTTP upgrade left attached to a chat socket, which lives for as long as the session.
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import type { WebSocket } from "ws";

/**
 * @fastify/websocket keeps the upgrade's request, reply and a ServerResponse reachable for the socket's lifetime:
 * its `error` listener closes over them and the TCP socket holds the response. For a long-lived chat socket that is
 * about 1.5 KiB of headers and objects per session, so once the connection is ours we drop both references. The
 * replacement listener does what @fastify/websocket's default one does: log, then terminate.
 */
export function releaseUpgrade(socket: WebSocket, log: FastifyBaseLogger): void {
  socket.removeAllListeners("error");
  socket.on("error", (error) => {
    log.debug({ err: error }, "chat socket error");
    socket.terminate();
  });
  const raw = (socket as unknown as { _socket?: Socket & { _httpMessage?: ServerResponse | null } })._socket;
  const response = raw?._httpMessage;
  if (raw !== undefined && response) response.detachSocket(raw);
}
