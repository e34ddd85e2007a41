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
  /** Set while the microphone permission is pending: a second click, or stop(), cancels the recording to come. */
  #starting: { cancelled: boolean } | undefined;
  // Chunks are read asynchronously (Blob.arrayBuffer); this chain keeps them in recording order.
  #sending: Promise<void> = Promise.resolve();

  constructor(private readonly connection: Connection) {
    this.#button.replaceChildren(icon("mic"));
    if (typeof MediaRecorder === "undefined" || navigator.mediaDevices === undefined) {
      this.#button.disabled = true;
      this.#button.title = "Recording needs a secure context (https or localhost) and MediaRecorder";
      return;
    }
    this.#button.addEventListener("click", () => {
      if (this.#recorder === undefined && this.#starting === undefined) void this.#start();
      else this.stop();
    });
  }

  /** Stops recording, or the recording waiting for permission (the button, the server refusing it, a drop). */
  stop(): void {
    if (this.#starting !== undefined) this.#starting.cancelled = true;
    if (this.#recorder?.state === "recording") this.#recorder.stop();
  }

  async #start(): Promise<void> {
    const starting = { cancelled: false };
    this.#starting = starting;
    this.#pressed(true);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      this.#starting = undefined;
      this.#pressed(false);
      notify(`Microphone unavailable: ${describe(error)}`, "warn");
      return;
    }
    this.#starting = undefined;
    const release = () => {
      for (const track of stream.getTracks()) track.stop();
    };
    if (starting.cancelled) {
      release();
      this.#pressed(false);
      return;
    }
    let recorder: MediaRecorder;
    try {
      recorder = new MediaRecorder(stream);
    } catch (error) {
      release(); // the microphone must not stay open for a recorder that never was
      this.#pressed(false);
      notify(`Cannot record: ${describe(error)}`, "warn");
      return;
    }
    this.#recorder = recorder;
    const startedAt = performance.now();
    recorder.addEventListener("dataavailable", (event) => {
      const elapsed = (performance.now() - startedAt) / 1000;
      this.#sending = this.#sending.then(async () => {
        const bytes = new Uint8Array(await event.data.arrayBuffer());
        if (bytes.byteLength > 0 && !this.connection.sendBinary(encodeAudioChunk(elapsed, bytes))) this.stop();
      });
    });
    recorder.addEventListener("stop", () => {
      release();
      this.#sending = this.#sending.then(() => this.connection.send({ type: "audio_end", id: newId("audio") }));
      this.#recorder = undefined;
      this.#pressed(false);
    });
    try {
      recorder.start(TIMESLICE_MS);
    } catch (error) {
      release();
      this.#recorder = undefined;
      this.#pressed(false);
      notify(`Cannot record: ${describe(error)}`, "warn");
      return;
    }
    this.connection.send({ type: "audio_start", id: newId("audio"), mimeType: recorder.mimeType || "audio/webm" });
  }

  #pressed(recording: boolean): void {
    this.#button.setAttribute("aria-pressed", String(recording));
    this.#button.setAttribute("aria-label", recording ? "Stop recording" : "Record audio");
    this.#button.classList.toggle("recording", recording);
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
