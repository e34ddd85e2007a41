// The microphone button: MediaRecorder chunks go to the gateway as binary frames between audio_start and audio_end.

import { encodeAudioChunk } from "./audio-frame.ts";
import type { Connection } from "./connection.ts";
import { byId } from "./dom.ts";
import { icon } from "./icons.ts";
import { newId } from "./ids.ts";
import { notify } from "./notices.ts";

/** How often MediaRecorder hands over a chunk. */
const TIMESLICE_MS = 250;

/** Records from the microphone while the button is pressed in. */
export class AudioRecorder {
  readonly #button = byId<HTMLButtonElement>("mic");
  #recorder: MediaRecorder | undefined;
  // Chunks are read asynchronously (Blob.arrayBuffer); this chain keeps them in recording order.
  #sending: Promise<void> = Promise.resolve();

  constructor(private readonly connection: Connection) {
    this.#button.replaceChildren(icon("mic"));
    if (typeof MediaRecorder === "undefined" || navigator.mediaDevices === undefined) {
      this.#button.disabled = true;
      this.#button.title = "Recording needs a secure context (https or localhost) and MediaRecorder";
      return;
    }
    this.#button.addEventListener("click", () => (this.#recorder === undefined ? void this.#start() : this.stop()));
  }

  /** Stops recording (the button, or the server refusing the recording, or a dropped connection). */
  stop(): void {
    if (this.#recorder?.state === "recording") this.#recorder.stop();
  }

  async #start(): Promise<void> {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      notify(`Microphone unavailable: ${error instanceof Error ? error.message : String(error)}`, "warn");
      return;
    }
    const recorder = new MediaRecorder(stream);
    this.#recorder = recorder;
    const startedAt = performance.now();
    this.connection.send({ type: "audio_start", id: newId("audio"), mimeType: recorder.mimeType || "audio/webm" });
    recorder.addEventListener("dataavailable", (event) => {
      const elapsed = (performance.now() - startedAt) / 1000;
      this.#sending = this.#sending.then(async () => {
        const bytes = new Uint8Array(await event.data.arrayBuffer());
        if (bytes.byteLength > 0 && !this.connection.sendBinary(encodeAudioChunk(elapsed, bytes))) this.stop();
      });
    });
    recorder.addEventListener("stop", () => {
      for (const track of stream.getTracks()) track.stop();
      this.#sending = this.#sending.then(() => this.connection.send({ type: "audio_end", id: newId("audio") }));
      this.#recorder = undefined;
      this.#pressed(false);
    });
    recorder.start(TIMESLICE_MS);
    this.#pressed(true);
  }

  #pressed(recording: boolean): void {
    this.#button.setAttribute("aria-pressed", String(recording));
    this.#button.setAttribute("aria-label", recording ? "Stop recording" : "Record audio");
    this.#button.classList.toggle("recording", recording);
  }
}
