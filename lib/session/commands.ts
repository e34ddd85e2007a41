// Commands in: what a client may ask of a session, whatever protocol carried it. The JSON WebSocket gateway turns
// validated frames into these; an adapter for another wire (Chainlit's socket.io events, AG-UI over HTTP, an
// in-process client) turns its own messages into the same commands. Frames out go to a FrameSink (sink.ts).
import type { BinaryAudioChunk } from "../protocol/binary.ts";
import type { ClientFrame } from "../protocol/client.ts";

/** One chunk of a recording as raw bytes, however the client sent it (a binary frame, base64 in JSON, …). */
export interface AudioChunkCommand extends BinaryAudioChunk {
  readonly type: "audio_chunk";
}

/**
 * A command for `Session.receive`: the protocol's client frames (declared once, in lib/protocol/client.ts) but the
 * handshake (`hello`: how an adapter opens or resumes a session is its own business), with audio as bytes.
 * @example session.receive({ type: "user_message", id: "m1", content: "hi" });
 */
export type SessionCommand = Exclude<ClientFrame, { type: "hello" | "audio_chunk" }> | AudioChunkCommand;
