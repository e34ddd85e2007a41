// The floor every target is held to: the raw ws server (raw-ws.ts) with chatwire's write batching — the socket corked
// for a tick (uncorked every 16 KiB) and a stream that waits for drain above 1 MiB buffered (corked-writer.ts).
// Same frames, same JSON.parse + JSON.stringify, no validation, no session. `/speak S` forwards the same output-audio
// bytes chatwire sends: its track's audio_output frame, then binary frames (kind 2, the track id, the PCM).
import { WebSocketServer } from "ws";
import { announceReady, benchPort } from "./control.ts";
import { CorkedWriter } from "./corked-writer.ts";
import { answer, type Conversation, welcome } from "./frames.ts";
import { speak, speakSeconds, VOICE_SAMPLE_RATE, VOICE_TRACK } from "./voice.ts";

const track = new TextEncoder().encode(VOICE_TRACK);

const server = new WebSocketServer({ host: "127.0.0.1", port: benchPort() }, () => {
  const address = server.address();
  announceReady(typeof address === "object" && address !== null ? address.port : 0);
});

server.on("connection", (socket) => {
  const conversation: Conversation = { seq: 0 };
  const writer = new CorkedWriter(socket);
  const send = (frame: object) => writer.send(JSON.stringify(frame));
  const behind = () => writer.behind();
  socket.on("message", (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(String(data)) as { type: string; content?: string };
    if (frame.type === "hello") send(welcome());
    else if (frame.type === "user_message" && speakSeconds(frame.content ?? "") !== undefined) {
      send({
        seq: ++conversation.seq,
        type: "audio_output",
        track: VOICE_TRACK,
        mimeType: "audio/pcm",
        sampleRate: VOICE_SAMPLE_RATE,
      });
      void speak(speakSeconds(frame.content ?? "") ?? 0, (pcm) => {
        const out = new Uint8Array(2 + track.length + pcm.length);
        out.set([2, track.length]);
        out.set(track, 2);
        out.set(pcm, 2 + track.length);
        writer.send(out);
        return true;
      });
    } else if (frame.type === "user_message") void answer(conversation, frame.content ?? "", send, behind);
  });
});
