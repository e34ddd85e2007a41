// The microphone button: asks for the microphone, then chatwire/client records it (MediaRecorder chunks as binary
// frames between audio_start and audio_end) until the button, the server or a drop stops it.
import type { AudioRecording, ChatClient } from "../../lib/client/index.ts";
import { byId } from "./dom.ts";
import { icon } from "./icons.ts";
import { notify } from "./notices.ts";

/** Records from the microphone while the button is pressed in. */
export class AudioRecorder {
  readonly #button = byId<HTMLButtonElement>("mic");
  #recording: AudioRecording | undefined;
  /** Set while the microphone permission is pending: a second click, or stop(), cancels the recording to come. */
  #starting: { cancelled: boolean } | undefined;

  private readonly client: () => ChatClient | undefined;
  private readonly pressed: () => void;

  /** `client()` is the page's client now (undefined while signed out); `pressed` runs as a recording is asked for. */
  constructor(client: () => ChatClient | undefined, pressed: () => void = () => undefined) {
    this.client = client;
    this.pressed = pressed;
    this.#button.replaceChildren(icon("mic"));
    if (typeof MediaRecorder === "undefined" || navigator.mediaDevices === undefined) {
      this.#button.disabled = true;
      this.#button.title = "Recording needs a secure context (https or localhost) and MediaRecorder";
      return;
    }
    this.#button.addEventListener("click", () => {
      if (this.#recording === undefined && this.#starting === undefined) {
        this.pressed();
        void this.#start();
      } else this.stop();
    });
  }

  /** Stops recording, or the recording waiting for permission (the button, the server refusing it, a drop). */
  stop(): void {
    if (this.#starting !== undefined) this.#starting.cancelled = true;
    this.#recording?.stop();
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
    const client = this.client();
    let recording: AudioRecording;
    try {
      if (client === undefined) throw new Error("not connected");
      recording = client.startAudio(stream);
    } catch (error) {
      release(); // the microphone must not stay open for a recorder that never was
      this.#pressed(false);
      notify(`Cannot record: ${describe(error)}`, "warn");
      return;
    }
    this.#recording = recording;
    void recording.ended.then(() => {
      release();
      this.#recording = undefined;
      this.#pressed(false);
    });
  }

  #pressed(recording: boolean): void {
    this.#button.setAttribute("aria-pressed", String(recording));
    this.#button.setAttribute("aria-label", recording ? "Stop recording" : "Record audio");
    this.#button.classList.toggle("recording", recording);
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
