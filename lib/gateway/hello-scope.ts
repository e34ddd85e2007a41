// What every hello path (a new session, a resume, a view of a share) reads of its gateway and of its connection,
// and the node's place each new one takes first.
import type { FastifyBaseLogger } from "fastify";
import type { FileAccess } from "../context/files.ts";
import type { ErrorCode } from "../errors.ts";
import type { LiveTable } from "../hooks/live-table.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { FrameSink } from "../session/sink.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Persistence } from "./persistence.ts";
import type { NodePlace, SessionRegistry } from "./registry.ts";

/** What of the gateway a hello opening a session reads (a handshake's ConnectionScope has it all). */
export interface GatewayScope<S extends object> {
  readonly options: ResolvedOptions<S>;
  /** The hooks sessions read: options.hooks at start, swapped whole by a reload (`chatwire run --watch`). */
  readonly hooks: LiveTable<S>;
  readonly log: FastifyBaseLogger;
  readonly registry: SessionRegistry;
  readonly persistence: Persistence | undefined;
  readonly files: FileAccess;
}

/** The frames a connection sends itself, outside any session's numbering (seq 0). */
export type ConnectionFrame = ServerFrameOf<"welcome"> | ServerFrameOf<"resume_failed"> | ServerFrameOf<"error">;

/** What the handshake needs of its connection. */
export interface HandshakeConnection {
  readonly user: User | undefined;
  /** The connection's socket, as the session will write to it. */
  readonly sink: FrameSink;
  /** Whether the socket is still open (a client may leave while its thread loads). */
  readonly open: boolean;
  send(frame: ConnectionFrame): void;
  /** Sends an error frame with seq 0 (there is no session to number it). */
  error(code: ErrorCode, message: string): void;
  close(code: number, reason: string): void;
}

/** A place for one more session on this node; when the node is full, undefined and the connection told and closed
 * (SERVER_FULL, 1013). Release it once the session is in the registry, or given up. */
export function placeOnNode<S extends object>(
  scope: GatewayScope<S>,
  connection: HandshakeConnection,
): NodePlace | undefined {
  const max = scope.options.maxSessionsPerNode;
  const place = scope.registry.placeOnNode(max);
  if (place === undefined) {
    connection.error("SERVER_FULL", `this server holds ${max} sessions: try again later`);
    connection.close(1013, "server full");
  }
  return place;
}
