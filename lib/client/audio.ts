// Audio to the gateway: a browser MediaStream recorded with MediaRecorder, or chunks a program sends itself (Node).
// Chunks travel as binary frames while the session is ready, else as JSON `audio_chunk` frames queued for it.
import type { BINARY_AUDIO_CHUNK, ClientFrame } from "../protocol/index.ts";

/** A MediaStream (browsers): its tracks are the caller's to stop. */
export interface MediaStreamLike {
  getTracks(): readonly unknown[];
}

interface BlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

interface MediaRecorderLike {
  readonly mimeType: string;
  readonly state: string;
  start(timeslice?: number): void;
  stop(): void;
  addEventListener(type: "dataavailable", listener: (event: { readonly data: BlobLike }) => void): void;
  addEventListener(type: "stop", listener: () => void): void;
}

type MediaRecorderClass = new (stream: MediaStreamLike, options?: { mimeType?: string }) => MediaRecorderLike;

/** A recording from a MediaStream. */
export interface AudioRecording {
  readonly mimeType: string;
  /** Stops recording; `audio_end` follows the last chunk. */
  stop(): void;
  /** Settles once the recording stopped and `audio_end` was sent (by stop(), or the server's audio_state false). */
  readonly ended: Promise<void>;
}

/** Audio a program sends itself, chunk by chunk. */
export interface AudioSender {
  /** Sends a chunk; `elapsedTime` is seconds since the start (default: measured). */
  chunk(data: Uint8Array, elapsedTime?: number): void;
  /** Ends the recording (`audio_end`). */
  end(): void;
}

/** Options of a recording from a MediaStream. */
export interface RecordingOptions {
  /** How often MediaRecorder hands over a chunk (default 250 ms). */
  readonly timesliceMs?: number;
  /** The recorder's format, if the browser supports it (default: its own choice). */
  readonly mimeType?: string;
}

/** What audio needs of the client. */
export interface AudioLink {
  send(frame: ClientFrame): void;
  sendBinary(bytes: Uint8Array): boolean;
  newId(kind: string): string;
}

const kind: typeof BINARY_AUDIO_CHUNK = 1;

/** A binary audio chunk frame (lib/protocol/binary.ts's layout, without its schema library): byte 0 kind 1,
 * bytes 1..8 elapsed seconds (float64 big-endian), then the audio bytes. */
export function encodeAudioFrame(elapsedTime: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + data.byteLength);
  out[0] = kind;
  new DataView(out.buffer).setFloat64(1, elapsedTime);
  out.set(data, 9);
  return out;
}

const base64 = (bytes: Uint8Array): string => {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

/** Starts a recording the program feeds: audio_start now, chunks as they come, audio_end at the end. */
export function sendAudio(link: AudioLink, mimeType: string): AudioSender {
  const started = performance.now();
  link.send({ type: "audio_start", id: link.newId("audio"), mimeType });
  return {
    chunk(data, elapsedTime = (performance.now() - started) / 1000) {
      if (!link.sendBinary(encodeAudioFrame(elapsedTime, data)))
        link.send({ type: "audio_chunk", elapsedTime, data: base64(data) });
    },
    end() {
      link.send({ type: "audio_end", id: link.newId("audio") });
    },
  };
}

/** Records `stream` with the platform's MediaRecorder; throws what its constructor or start() throws. */
export function recordAudio(link: AudioLink, stream: MediaStreamLike, options: RecordingOptions = {}): AudioRecording {
  const Recorder = (globalThis as unknown as { MediaRecorder?: MediaRecorderClass }).MediaRecorder;
  if (Recorder === undefined)
    throw new TypeError("MediaRecorder is not available here: send chunks with startAudio({ mimeType })");
  const recorder = new Recorder(stream, options.mimeType === undefined ? {} : { mimeType: options.mimeType });
  const mimeType = recorder.mimeType || options.mimeType || "audio/webm";
  let sender: AudioSender | undefined;
  // Chunks are read asynchronously (Blob.arrayBuffer); this chain keeps them in recording order.
  let sending: Promise<void> = Promise.resolve();
  let finish: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const startedAt = performance.now();
  recorder.addEventListener("dataavailable", (event) => {
    const elapsed = (performance.now() - startedAt) / 1000;
    sending = sending.then(async () => {
      const bytes = new Uint8Array(await event.data.arrayBuffer());
      if (bytes.byteLength > 0) sender?.chunk(bytes, elapsed);
    });
  });
  recorder.addEventListener("stop", () => {
    sending = sending.then(() => {
      sender?.end();
      finish();
    });
  });
  recorder.start(options.timesliceMs ?? 250);
  sender = sendAudio(link, mimeType);
  return {
    mimeType,
    stop: () => {
      if (recorder.state === "recording") recorder.stop();
    },
    ended,
  };
}
