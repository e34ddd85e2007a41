// A Chainlit connection's live session, as the socket server and the HTTP routes both see it.
import type { LoadedThread } from "../../data/layer.ts";
import type { User } from "../../protocol/views.ts";
import type { Session } from "../../session/session.ts";
import type { ChainlitSink } from "./sink.ts";

/** A live Chainlit session: chatwire's session, its user, and the sink of its current connection. */
export interface ChainlitSession {
  readonly session: Session;
  readonly user: User | undefined;
  sink: ChainlitSink | undefined;
  /** The thread to open at the first `connection_successful` (undefined once started). */
  start: { thread: LoadedThread | undefined } | undefined;
  /** The client sent `clear_session`: end the session when its connection closes. */
  done: boolean;
}
